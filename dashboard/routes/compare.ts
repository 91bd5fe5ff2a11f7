import { Router } from 'express';
import type { AppContext } from '../context';

// Placeholder: filled in by the issue that owns these routes.
export function compareRoutes(_ctx: AppContext): Router {
  return Router();
}
