import { ConflictError } from "../domain/errors.js";

/** A rotation refused or stopped for a reason the user can act on: exit 7 (conflict). */
export class RotationError extends ConflictError {}
