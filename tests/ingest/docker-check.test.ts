import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerCheckFacts, dockerImageOf, dockerUnavailableMessage, matchDockerPattern } from '../../parsers/docker-check';
import { CI_LOGS } from '../helpers/fixtures';

const check = (hw: string, date: string) => fs.readFileSync(path.join(CI_LOGS, 'cron_log', hw, date, 'docker_image_check.log'), 'utf8');

describe('docker patterns of C2 (linear matcher)', () => {
  it('pattern 1: ERROR: + optional whitespace + Could not find and pull|obtain any valid … image', () => {
    expect(matchDockerPattern('ERROR:\n  could NOT find and pull any valid non-SRT thing\n…\nimages')?.index).toBe(1);
    expect(matchDockerPattern('ERROR: Could not find and obtain any valid image')?.index).toBe(1);
    // Text between ERROR: and the phrase breaks pattern 1 (it may still hit pattern 4).
    expect(matchDockerPattern('ERROR: x Could not find and pull any valid images')?.index).not.toBe(1);
    expect(matchDockerPattern('Could not find and pull any valid images')).toBeNull();
  });
  it('pattern 2: No image found for today … yesterday either', () => {
    expect(matchDockerPattern('no image found for TODAY\n\nand not for yesterday either')).toEqual({ index: 2, message: 'Docker image not found for today or yesterday' });
    expect(matchDockerPattern('yesterday either … No image found for today')).toBeNull();
  });
  it('pattern 3: Primary version … not found … fallback … not found (also spans lines)', () => {
    expect(matchDockerPattern('Primary version (rocm700) not found, trying fallback (rocm630)...\nlater: model not found')?.index).toBe(3);
    expect(matchDockerPattern('Primary version (rocm700) not found, trying fallback (rocm630)... found')).toBeNull();
  });
  it('pattern 4: ERROR: … Image … not found', () => {
    expect(matchDockerPattern('ERROR: something\nthe image tag\nwas not found')).toEqual({ index: 4, message: 'Docker image not found' });
    expect(matchDockerPattern('image not found, then ERROR:')).toBeNull();
  });
  it('pattern 5: Failed to pull … Image might be a local build', () => {
    expect(matchDockerPattern('Failed to pull rocm/x\nImage might be a local build')?.index).toBe(5);
  });
  it('matches as Python IGNORECASE folds: İ and ı match i, ſ matches s (searched in the unfolded text)', () => {
    expect(matchDockerPattern('NO İMAGE FOUND FOR TODAY; YESTERDAY EıTHER')?.index).toBe(2);
    expect(matchDockerPattern('PRİMARY VERſıON NOT FOUND, FALLBACK NOT FOUND')?.index).toBe(3);
    expect(matchDockerPattern('FAİLED TO PULL x; İMAGE MİGHT BE A LOCAL BUİLD')?.index).toBe(5);
    expect(matchDockerPattern('ERROR: the İMAGE was NOT FOUND')?.index).toBe(4);
    // Look-alikes that do not fold to ASCII (Cyrillic О, a zero) match nothing.
    expect(matchDockerPattern('ERRОR: image not found; ERR0R: image not found')).toBeNull();
  });
  it('completes on a 2 MB adversarial input without catastrophic backtracking', () => {
    const chunk = 'ERROR: Primary version x not-found, fallback ERROR:\n Could not find and pull any valid imag; no imag found for today; Failed to pull ';
    const big = chunk.repeat(Math.ceil((2 * 1024 * 1024) / chunk.length));
    expect(big.length).toBeGreaterThan(2 * 1024 * 1024);
    // Every pattern's first parts occur everywhere, the last parts never: worst case for a backtracker.
    expect(matchDockerPattern(big)).toBeNull();
    // …and a match at the very end is still found.
    expect(matchDockerPattern(`${big}\nimage`)?.index).toBe(1);
  });
});

describe('docker flag, image and check facts', () => {
  it('flag: first Missing images: N > 0 (gen 2 lines do not match)', () => {
    expect(dockerUnavailableMessage('Missing images: 2')).toBe('2 Docker image(s) not available');
    expect(dockerUnavailableMessage('Missing images: 0\nMissing images: 3')).toBeNull();
    expect(dockerUnavailableMessage('Missing required images: 2')).toBeNull();
    expect(dockerUnavailableMessage(null)).toBeNull();
  });
  it('docker_image: own hw Image:, then Docker image:, then any Image: (compat quirk)', () => {
    const text = '[check]   Image: rocm/sgl-dev:v1-rocm700-mi30x-20251219\n[check]   Image: rocm/sgl-dev:v1-rocm700-mi35x-20251219\n';
    expect(dockerImageOf(text, 'mi35x')).toEqual({ image: 'rocm/sgl-dev:v1-rocm700-mi35x-20251219', own: 'rocm/sgl-dev:v1-rocm700-mi35x-20251219' });
    expect(dockerImageOf('[check]   Image: rocm/sgl-dev:v1-rocm700-mi30x-20251219', 'mi35x')).toEqual({ image: 'rocm/sgl-dev:v1-rocm700-mi30x-20251219', own: null });
    expect(dockerImageOf('Docker image: rocm/x:tag\nImage: rocm/y:z', 'mi35x')).toEqual({ image: 'rocm/x:tag', own: null });
    expect(dockerImageOf('nothing found', 'mi30x')).toEqual({ image: null, own: null });
  });
  it('gen 1 real file (to ~2025-12-13)', () => {
    const text = check('mi30x', '20251130');
    expect(dockerCheckFacts(text)).toEqual({ format: 'gen1', requiredMissing: 0, optionalMissing: null });
    expect(dockerImageOf(text, 'mi35x').image).toBe('rocm/sgl-dev:v0.5.5.post3-rocm700-mi35x-20251130');
  });
  it('gen 2 real file with no Image: line at all', () => {
    const text = check('mi30x', '20251217');
    expect(dockerCheckFacts(text)).toEqual({ format: 'gen2', requiredMissing: 2, optionalMissing: 1 });
    expect(dockerUnavailableMessage(text)).toBeNull();
    expect(dockerImageOf(text, 'mi30x').image).toBeNull();
  });
  it('gen 2 real file with images', () => {
    const text = check('mi35x', '20251219');
    expect(dockerCheckFacts(text).format).toBe('gen2');
    expect(dockerImageOf(text, 'mi35x').own).toBe('rocm/sgl-dev:v0.5.6.post2-rocm700-mi35x-20251219');
  });
  it('no check log: format none', () => {
    expect(dockerCheckFacts(null)).toEqual({ format: 'none', requiredMissing: null, optionalMissing: null });
  });
});
