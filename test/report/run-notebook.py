"""Execute a notebook headless with Jupyter's nbclient and write the executed copy (outputs included).

Usage: python3 run-notebook.py NOTEBOOK OUT KERNEL_NAME
The notebook runs in its own folder (as Jupyter would run it); a failing cell stops the run with its error.
"""
import os
import sys

import nbclient
import nbformat

path, out, kernel = sys.argv[1:4]
nb = nbformat.read(path, as_version=4)
client = nbclient.NotebookClient(nb, timeout=300, kernel_name=kernel, resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
try:
    client.execute()
finally:
    nbformat.write(nb, out)
