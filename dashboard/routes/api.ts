import { Router } from 'express';
import type { AppContext } from '../context';

// Placeholder: filled in by the issue that owns these routes.
export function apiRoutes(_ctx: AppContext): Router {
  return Router();
}
