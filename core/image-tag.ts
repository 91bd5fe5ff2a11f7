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

/** The registry path of the nightly images (SPEC §2.1); result dirs carry only the tag. */
const NIGHTLY_REPOSITORY = 'rocm/sgl-dev';

/** The image a benchmark result dir was produced with (`v0.5.4-rocm700-mi35x-20251026_DeepSeek…`), or null for undated dirs. */
export function imageOfResultDir(resultDir: string): string | null {
  const tag = resultDir.split('_', 1)[0];
  return parseImageTag(`${NIGHTLY_REPOSITORY}:${tag}`) ? `${NIGHTLY_REPOSITORY}:${tag}` : null;
}

/**
 * `v0.5.4.post1-rocm700`: what an image ships, without its build date. Nightly tags differ every night by
 * date alone, so only a different release says the image changed in a way worth showing.
 */
export function imageRelease(image: string | null | undefined): string | null {
  const tag = parseImageTag(image);
  return tag ? `${tag.sglangVersion}-${tag.rocm}` : null;
}
