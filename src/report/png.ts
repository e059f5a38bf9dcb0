/**
 * SVG → PNG with resvg (npm @resvg/resvg-js: a Rust rasteriser shipped as a prebuilt Node addon per
 * platform, so no binary is shelled out to). Loaded on first use: a platform without its prebuilt
 * package loses PNG output only. Text uses the system's fonts (DejaVu Sans on Debian).
 */
import { SdartsError } from '../util/errors.js';

export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  let Resvg: typeof import('@resvg/resvg-js').Resvg;
  try {
    ({ Resvg } = await import('@resvg/resvg-js'));
  } catch (err) {
    throw new SdartsError(
      'ERR_SDARTS_REPORT_PNG',
      `PNG output needs the npm package @resvg/resvg-js and its prebuilt binary for ${process.platform}-${process.arch}, which failed to load (${(err as Error).message.split('\n')[0]}). Reinstall with \`npm install\`, or use --format svg.`,
      { cause: err },
    );
  }
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, background: '#ffffff', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } })
    .render()
    .asPng();
}
