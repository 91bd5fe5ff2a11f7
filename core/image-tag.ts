/**
 * Docker image tags of the nightly jobs (SPEC §2.1): `rocm/sgl-dev:{ver}-rocm{630|700}-{hw}-{YYYYMMDD}`.
 * The date is the image date, which differs from the night when a job fell back to yesterday's image.
 */
export interface ImageTag {
  image: string;
  sglangVersion: string;
  rocm: string;
  hardware: string;
  imageDate: string;
}

const TAG_RE = /:([^:\s]+?)-rocm(\d+)-(mi\d+x)-(\d{8})(?:$|[^\d])/;

export function parseImageTag(image: string | null | undefined): ImageTag | null {
  if (!image) return null;
  const m = TAG_RE.exec(image);
  if (!m) return null;
  return { image, sglangVersion: m[1], rocm: `rocm${m[2]}`, hardware: m[3], imageDate: m[4] };
}
