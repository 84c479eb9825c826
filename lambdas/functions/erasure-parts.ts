import type { AlertingDataEraser } from '../alerting/ports/user-data-eraser.js';
import { alertingDataEraser } from '../alerting/wiring.js';
import type { ControlDataEraser } from '../control/ports/user-data-eraser.js';
import { controlDataEraser } from '../control/wiring.js';
import type { DynamoAuditLog } from '../privacy/adapters/dynamo-audit-log.js';
import type { ErasureParts } from '../privacy/ports/erasure.js';
import { auditLog } from '../privacy/wiring.js';
import type { UsageDataEraser } from '../usage/ports/user-data-eraser.js';
import { usageDataEraser } from '../usage/wiring.js';

/** The kinds of a user's data that erasure removes, each from the context that owns it. */
export function erasureParts(
  usage: UsageDataEraser,
  alerting: AlertingDataEraser,
  control: ControlDataEraser,
  audit: Pick<DynamoAuditLog, 'holdsUser' | 'eraseUser'>,
): ErasureParts {
  return {
    'usage.records': {
      holds: (t, u) => usage.holdsRecords(t, u),
      erase: (t, u) => usage.eraseRecords(t, u),
    },
    'alerting.thresholds': {
      holds: (t, u) => alerting.holdsThresholds(t, u),
      erase: (t, u) => alerting.eraseThresholds(t, u),
    },
    'alerting.breaches': {
      holds: (t, u) => alerting.holdsBreaches(t, u),
      erase: (t, u) => alerting.eraseBreaches(t, u),
    },
    'alerting.contacts': {
      holds: (t, u) => alerting.holdsContacts(t, u),
      erase: (t, u) => alerting.eraseContacts(t, u),
    },
    'control.config': {
      holds: (t, u) => control.holdsConfig(t, u),
      erase: (t, u) => control.eraseConfig(t, u),
    },
    'control.history': {
      holds: (t, u) => control.holdsHistory(t, u),
      erase: (t, u) => control.eraseHistory(t, u),
    },
    'usage.aggregates': {
      holds: (t, u) => usage.holdsAggregates(t, u),
      erase: (t, u, pseudonym) => usage.moveAggregates(t, u, pseudonym),
    },
    'usage.derived': {
      holds: (t, u) => usage.holdsDerived(t, u),
      erase: (t, u) => usage.eraseDerived(t, u),
    },
    'privacy.audit': {
      holds: (t, u) => audit.holdsUser(t, u),
      erase: (t, u) => audit.eraseUser(t, u),
    },
  };
}

/** Every table that holds a user's data, by the variables that name them. */
export interface UserDataTables {
  TOKEN_USAGE_TABLE: string;
  TOKEN_ANALYTICS_TABLE: string;
  ANALYTICS_CACHE_TABLE: string;
  USAGE_PATTERNS_TABLE: string;
  COST_THRESHOLDS_TABLE: string;
  THRESHOLD_BREACHES_TABLE: string;
  ALERTING_CONFIG_TABLE: string;
  AUTO_CONTROL_CONFIG_TABLE: string;
  CONTROL_ACTIONS_TABLE: string;
  DATA_PROTECTION_TABLE: string;
}

/** The parts from a function's validated environment, once per cold start. */
export const erasurePartsOf = (env: UserDataTables): ErasureParts =>
  erasureParts(usageDataEraser(env), alertingDataEraser(env), controlDataEraser(env), auditLog(env));
