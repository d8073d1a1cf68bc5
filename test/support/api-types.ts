/**
 * The app's request and response classes, as types only, in one place: when a module moves
 * a DTO, this file is the one import to fix.
 */
export type { EnvelopeMeta, ErrorEnvelope } from '../../src/common/http/envelope';
export type {
  CursorPagination,
  OffsetPagination,
  SeqPagination,
} from '../../src/common/http/envelope';
export type { LoginDto, RegisterDto, TokensResponse } from '../../src/modules/auth/dto/auth.dto';
export type {
  ApiKeyResponse,
  CreatedApiKeyResponse,
} from '../../src/modules/auth/api-keys/api-keys.dto';
export type { EventResponse } from '../../src/modules/events/dto/events.dto';
export type { MarketResponse } from '../../src/modules/markets/dto/market.response';
export type {
  CreateMarketDto,
  PatchMarketDto,
  ReplaceMarketDto,
} from '../../src/modules/markets/dto/market-write.dto';
export type { BuyDto, ResolveDto, SellDto } from '../../src/modules/trading/dto/trading.dto';
export type {
  CandleResponse,
  PositionResponse,
  TradeResponse,
  TradeResultResponse,
} from '../../src/modules/trading/dto/trading.response';
export type { ChangeRoleDto, GrantCreditsDto } from '../../src/modules/users/dto/users.dto';
export type { LedgerEntryResponse, UserResponse } from '../../src/modules/users/dto/user.response';
export type { QuoteResponse } from '../../src/modules/markets/markets.service';
