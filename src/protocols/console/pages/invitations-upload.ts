import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';

/** 1 MiB: room for the 500 rows the CSV operation takes, whatever their teams and tags. */
const maxCsvBytes = 1024 * 1024;

// One file, the CSRF field, nothing big besides: a post shaped otherwise is cut short.
const parser = multer({
  storage: multer.memoryStorage(),
  limits: {
    files: 1,
    fileSize: maxCsvBytes,
    fields: 4,
    fieldSize: 2048,
    fieldNameSize: 64,
    parts: 5,
    headerPairs: 20,
  },
}).single('file');

/** Why an upload was refused before its form could be read, to show beside the form. */
export interface UploadRefusal {
  readonly error: string;
  readonly status: number;
}

const uploadRefusals = new WeakMap<Request, UploadRefusal>();

export function uploadRefusalOf(req: Request): UploadRefusal | undefined {
  return uploadRefusals.get(req);
}

/**
 * Reads a multipart form with its one file into memory. A post over the
 * limits is noted, not thrown, so the route can show the form again with
 * the reason (changing nothing) once its CSRF check passes: the form puts
 * the CSRF field before the file, and browsers send fields in form order,
 * so the field is read before a file too big is cut off.
 */
export function csvUpload(req: Request, res: Response, next: NextFunction): void {
  parser(req, res, (error: unknown) => {
    if (error === undefined || error === null) return next();
    if (!(error instanceof multer.MulterError)) return next(error);
    uploadRefusals.set(
      req,
      error.code === 'LIMIT_FILE_SIZE'
        ? { error: 'The file is larger than 1 MiB: split it into several.', status: 413 }
        : { error: `The upload is not a single CSV file (${error.message}).`, status: 400 },
    );
    next();
  });
}

/** The uploaded file's text, or why there is none to read. */
export function csvTextOf(req: Request): { text: string } | UploadRefusal {
  const file = req.file;
  if (!file || file.size === 0) return { error: 'Choose a CSV file to upload.', status: 400 };
  const text = file.buffer.toString('utf8');
  if (text.includes('\u0000') || text.includes('\uFFFD'))
    return { error: 'The file is not CSV text in UTF-8.', status: 400 };
  return { text };
}
