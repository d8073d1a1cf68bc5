import { DataSourceOptions } from 'typeorm';
import { UsersAndLedger1732300000000 } from '../../migrations/1732300000000-UsersAndLedger';
import { MarketsAndTrading1732300001000 } from '../../migrations/1732300001000-MarketsAndTrading';
import { Search1732300002000 } from '../../migrations/1732300002000-Search';
import { OutboxPublishedIndex1732300004000 } from '../../migrations/1732300004000-OutboxPublishedIndex';
import { InitialTradeAndAuditTrail1764600010000 } from '../../migrations/1764600010000-InitialTradeAndAuditTrail';
import { AuthorityVersion1764600020000 } from '../../migrations/1764600020000-AuthorityVersion';
import { ApiKeys1764600020001 } from '../../migrations/1764600020001-ApiKeys';
import { EventLog1764600040000 } from '../../migrations/1764600040000-EventLog';
import { TypeormMetadata1764600050000 } from '../../migrations/1764600050000-TypeormMetadata';
import { Webhooks1764600060000 } from '../../migrations/1764600060000-Webhooks';
import { MarketOutcomes1764600070000 } from '../../migrations/1764600070000-MarketOutcomes';
import { SearchEmbeddingsSerialScans1764600095000 } from '../../migrations/1764600095000-SearchEmbeddingsSerialScans';

/**
 * Every migration class in order. Listed explicitly (not globbed) so the same list works
 * compiled, under the TypeORM CLI and under Vitest.
 */
export const MIGRATIONS: NonNullable<DataSourceOptions['migrations']> & unknown[] = [
  UsersAndLedger1732300000000,
  MarketsAndTrading1732300001000,
  Search1732300002000,
  OutboxPublishedIndex1732300004000,
  InitialTradeAndAuditTrail1764600010000,
  AuthorityVersion1764600020000,
  ApiKeys1764600020001,
  EventLog1764600040000,
  TypeormMetadata1764600050000,
  Webhooks1764600060000,
  MarketOutcomes1764600070000,
  SearchEmbeddingsSerialScans1764600095000,
];
