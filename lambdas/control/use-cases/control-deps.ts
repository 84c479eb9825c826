import type { AuditLog } from '../../privacy/ports/audit-log.js';
import type { ControlActionsStore } from '../ports/control-actions-store.js';
import type { ControlConfigStore } from '../ports/control-config-store.js';
import type { PeriodSpendReader } from '../ports/control-store.js';

/** The control context's ports; each use case takes the ones it needs. */
export interface ControlDeps {
  store: ControlConfigStore;
  actions: ControlActionsStore;
  spend: PeriodSpendReader;
  /** The audit log of configuration changes (privacy context): init and reverse are audited. */
  audit?: AuditLog;
}
