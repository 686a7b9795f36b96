// Opaque paging cursors: base64url JSON, validated on the way back in.
import { z } from "zod";
import { ApiError } from "../errors";

export function encodeCursor(value: Record<string, string | number>): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor<S extends z.ZodType>(cursor: string, schema: S): z.infer<S> {
  try {
    const padded = cursor.replace(/-/g, "+").replace(/_/g, "/");
    const parsed = schema.safeParse(JSON.parse(atob(padded)));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through to the same error as a well-formed but foreign cursor
  }
  throw new ApiError("invalid_request", "cursor is invalid");
}
