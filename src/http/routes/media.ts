import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { MatrixError } from '../../core/errors.js';
import { isValidServerName } from '../../core/identifiers.js';
import { mediaHeaders } from '../../media/download-headers.js';
import type { MediaFile, MediaService, UploadInput } from '../../media/media-service.js';
import { requireSession } from '../auth.js';

export interface MediaRouteDeps {
  media: MediaService;
}

const UploadQuery = Type.Object({ filename: Type.Optional(Type.String()) });
const MediaParams = Type.Object({ serverName: Type.String(), mediaId: Type.String(), fileName: Type.Optional(Type.String()) });
const DownloadQuery = Type.Object({
  timeout_ms: Type.Optional(Type.Integer({ minimum: 0 })),
  allow_remote: Type.Optional(Type.Boolean()),
  allow_redirect: Type.Optional(Type.Boolean()),
});
const ThumbnailQuery = Type.Object({
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  method: Type.Optional(Type.Union([Type.Literal('crop'), Type.Literal('scale')])),
  animated: Type.Optional(Type.Boolean()),
  timeout_ms: Type.Optional(Type.Integer({ minimum: 0 })),
  allow_remote: Type.Optional(Type.Boolean()),
  allow_redirect: Type.Optional(Type.Boolean()),
});

type UploadQuery = Static<typeof UploadQuery>;
type MediaParams = Static<typeof MediaParams>;
type DownloadRoute = { Params: MediaParams; Querystring: Static<typeof DownloadQuery> };
type ThumbnailRoute = { Params: MediaParams; Querystring: Static<typeof ThumbnailQuery> };

/** The spec's media id alphabet; anything else cannot name stored media. */
const MEDIA_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

export function registerMediaRoutes(app: FastifyInstance, deps: MediaRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };
  const { media } = deps;

  void app.register(async (uploads) => registerUploadRoutes(uploads, deps));

  /** POST /_matrix/media/v1/create: reserves a media id for a later PUT upload. */
  app.post('/_matrix/media/v1/create', authed, async (request) => {
    const session = requireSession(request);
    const { contentUri, unusedExpiresAt } = await media.create(session.userId);
    return { content_uri: contentUri, unused_expires_at: unusedExpiresAt };
  });

  const config = async (request: FastifyRequest) => {
    requireSession(request);
    return { 'm.upload.size': media.maxUploadSize };
  };
  /** GET /_matrix/client/v1/media/config: the upload size limit. */
  app.get('/_matrix/client/v1/media/config', authed, config);
  app.get('/_matrix/media/v3/config', authed, config);

  // NOTE: URL previews are disabled, so the server never fetches a URL a user names; the spec lets
  // the OpenGraph object be empty.
  const preview = async (request: FastifyRequest) => {
    requireSession(request);
    return {};
  };
  /** GET /_matrix/client/v1/media/preview_url: always an empty preview. */
  app.get('/_matrix/client/v1/media/preview_url', authed, preview);
  app.get('/_matrix/media/v3/preview_url', authed, preview);

  const download = async (request: FastifyRequest<DownloadRoute>, reply: FastifyReply) => {
    const { serverName, mediaId, fileName } = checkMediaParams(request.params);
    const file = await media.download(serverName, mediaId, request.query.timeout_ms);
    return sendFile(reply, file, fileName ?? file.fileName);
  };
  const thumbnail = async (request: FastifyRequest<ThumbnailRoute>, reply: FastifyReply) => {
    const { serverName, mediaId } = checkMediaParams(request.params);
    const { width, height, method, timeout_ms: timeoutMs } = request.query;
    const file = await media.thumbnail(serverName, mediaId, { width, height, method: method ?? 'scale', timeoutMs });
    return sendFile(reply, file, undefined);
  };

  const downloadSchema = { schema: { params: MediaParams, querystring: DownloadQuery } };
  const thumbnailSchema = { schema: { params: MediaParams, querystring: ThumbnailQuery } };
  /** GET /_matrix/client/v1/media/download/{serverName}/{mediaId}[/{fileName}]: the file, served inert. */
  app.get<DownloadRoute>('/_matrix/client/v1/media/download/:serverName/:mediaId', { ...authed, ...downloadSchema }, download);
  app.get<DownloadRoute>('/_matrix/client/v1/media/download/:serverName/:mediaId/:fileName', { ...authed, ...downloadSchema }, download);
  /** GET /_matrix/client/v1/media/thumbnail/{serverName}/{mediaId}: a scaled or cropped image. */
  app.get<ThumbnailRoute>('/_matrix/client/v1/media/thumbnail/:serverName/:mediaId', { ...authed, ...thumbnailSchema }, thumbnail);

  // The unauthenticated paths of spec versions before 1.11, still used by older clients and by
  // links in old messages.
  // TODO: the spec lets servers stop serving media uploaded after the switch to authenticated
  // media on these paths ("freezing"); Lattice serves all of it.
  for (const version of ['v3', 'r0']) {
    app.get<DownloadRoute>(`/_matrix/media/${version}/download/:serverName/:mediaId`, downloadSchema, download);
    app.get<DownloadRoute>(`/_matrix/media/${version}/download/:serverName/:mediaId/:fileName`, downloadSchema, download);
    app.get<ThumbnailRoute>(`/_matrix/media/${version}/thumbnail/:serverName/:mediaId`, thumbnailSchema, thumbnail);
  }
}

/**
 * The upload routes, in their own scope whose body parser passes the request stream through
 * unread, so uploads are streamed to disk under `max_upload_size` instead of buffered.
 */
function registerUploadRoutes(app: FastifyInstance, deps: MediaRouteDeps): void {
  const authed = { config: { auth: 'required' as const } };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  /** POST /_matrix/media/v3/upload: stores a file under a new media id. */
  app.post<{ Querystring: UploadQuery }>('/_matrix/media/v3/upload', { ...authed, schema: { querystring: UploadQuery } }, async (request, reply) => {
    const session = requireSession(request);
    const input = uploadInput(request, reply, deps.media.maxUploadSize);
    return { content_uri: await closeOnTooLarge(reply, deps.media.upload(session.userId, input)) };
  });

  /** PUT /_matrix/media/v3/upload/{serverName}/{mediaId}: fills a media id reserved by /create. */
  app.put<{ Params: MediaParams; Querystring: UploadQuery }>(
    '/_matrix/media/v3/upload/:serverName/:mediaId',
    { ...authed, schema: { params: MediaParams, querystring: UploadQuery } },
    async (request, reply) => {
      const session = requireSession(request);
      const { serverName, mediaId } = checkMediaParams(request.params);
      const input = uploadInput(request, reply, deps.media.maxUploadSize);
      await closeOnTooLarge(reply, deps.media.uploadTo(session.userId, serverName, mediaId, input));
      return {};
    },
  );
}

function uploadInput(request: FastifyRequest<{ Querystring: UploadQuery }>, reply: FastifyReply, maxUploadSize: number): UploadInput {
  const declared = request.headers['content-length'];
  const declaredLength = declared === undefined ? undefined : Number(declared);
  if (declaredLength !== undefined && declaredLength > maxUploadSize) {
    // The body stays unread, so the connection cannot carry another request.
    void reply.header('connection', 'close');
    throw new MatrixError('M_TOO_LARGE', `The upload is larger than this server's limit of ${maxUploadSize} bytes.`);
  }
  const body = request.body instanceof Readable ? request.body : Readable.from([]);
  const contentType = request.headers['content-type'];
  return { body, contentType: contentType === '' ? undefined : contentType, fileName: request.query.filename || undefined, declaredLength };
}

async function closeOnTooLarge<T>(reply: FastifyReply, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof MatrixError && error.errcode === 'M_TOO_LARGE') void reply.header('connection', 'close');
    throw error;
  }
}

function checkMediaParams(params: MediaParams): MediaParams {
  if (!isValidServerName(params.serverName) || !MEDIA_ID_PATTERN.test(params.mediaId)) {
    throw new MatrixError('M_NOT_FOUND', `The media mxc://${params.serverName}/${params.mediaId} does not exist.`);
  }
  return params;
}

// NOTE: Range requests are not honoured; a client seeking in a long video downloads from the start.
function sendFile(reply: FastifyReply, file: MediaFile, fileName: string | undefined): FastifyReply {
  return reply.headers({ ...mediaHeaders(file.contentType, fileName), 'content-length': String(file.sizeBytes) }).send(file.stream);
}
