import { AuditQuery, ErasureIdParam, PutSettingsRequest, UserId } from '@cost-management/contract';
import { type HttpRequest, json, parseWith, pathParam } from '../platform/http.js';
import type { RouteTable } from '../platform/router.js';
import { auditResponse, erasureResponse, settingsResponse } from './mapper.js';
import { type AuditActor, type AuditReader, callerOf } from './ports/audit-log.js';
import { listAudit } from './use-cases/list-audit.js';
import { putSettings, type SettingsDeps, viewSettings } from './use-cases/manage-settings.js';
import { getErasure, type RequestErasureDeps, requestErasure } from './use-cases/request-erasure.js';

export interface PrivacyRouteDeps {
  settings: SettingsDeps;
  audit: AuditReader;
  erasure: RequestErasureDeps;
}

/** Who made a change: the caller's key, never a body value. */
export const actorOf = (request: HttpRequest): AuditActor => callerOf(request);

/** The privacy context's routes: settings (retention), the audit log, erasure. Each: parse, use case, mapper. */
export function privacyRoutes(deps: PrivacyRouteDeps): RouteTable {
  return {
    'GET /settings': async ({ tenantId }) =>
      json(200, settingsResponse(await viewSettings(deps.settings, tenantId))),
    'PUT /settings': async (request) => {
      const input = parseWith(PutSettingsRequest, request.body);
      return json(
        200,
        settingsResponse(await putSettings(deps.settings, actorOf(request), input, new Date())),
      );
    },
    'GET /audit': async (request) => {
      const query = parseWith(AuditQuery, request.query);
      return json(200, auditResponse(await listAudit(deps.audit, request.tenantId, query, new Date())));
    },
    'DELETE /users/{userId}': async (request) => {
      const userId = pathParam(request, 'userId', UserId);
      const job = await requestErasure(deps.erasure, actorOf(request), userId, new Date());
      return json(202, erasureResponse(job));
    },
    'GET /erasures/{erasureId}': async (request) => {
      const erasureId = pathParam(request, 'erasureId', ErasureIdParam);
      return json(200, erasureResponse(await getErasure(deps.erasure.store, request.tenantId, erasureId)));
    },
  };
}
