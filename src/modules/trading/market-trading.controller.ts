import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Idempotent } from '../../database/idempotency/idempotency-store';
import { IdParam } from '../../common/http/id-param.decorator';
import { IdempotencyKey, IdempotentRoute } from '../../common/http/idempotency-key.decorator';
import { Page } from '../../common/http/envelope';
import { ApiEnvelope, ApiErrors } from '../../common/openapi/api-envelope.decorator';
import { CursorPageQueryDto } from '../../common/pagination/pagination.dto';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user';
import { RequirePermissions } from '../../common/auth/require-permissions.decorator';
import { CreateMarketDto, MarketResponse } from '../markets';
import { HistoryQueryDto, ResolveDto, ResolveResponse } from './dto/trading.dto';
import { ResolutionService } from './resolution.service';
import { CandleResponse, TradeResponse } from './dto/trading.response';
import { PositionsService } from './positions.service';
import { TradingService } from './trading.service';

/**
 * The market routes that move money or read trades. They live with trading because they run
 * in one transaction with positions, trades and the ledger; the markets module stays the
 * lower layer (see docs/architecture.md).
 */
@ApiTags('Markets')
@Controller('markets')
export class MarketTradingController {
  constructor(
    private readonly trading: TradingService,
    private readonly positions: PositionsService,
    private readonly resolution: ResolutionService,
  ) {}

  @Post()
  @RequirePermissions('write')
  @IdempotentRoute()
  @ApiOperation({
    summary: 'Create a market',
    description:
      'The creator pays the subsidy (liquidity × ln 2, rounded up) and, if given, buys the initial position: ' +
      'all in one transaction, all or nothing.',
  })
  @ApiEnvelope(MarketResponse, { status: 201 })
  @ApiErrors('VALIDATION_FAILED', 'INSUFFICIENT_FUNDS')
  async create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateMarketDto,
    @IdempotencyKey() key: string | undefined,
  ): Promise<Idempotent<MarketResponse>> {
    return this.trading.createMarket(user, body, key);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions('delete')
  @ApiOperation({
    summary: 'Delete a market without trades (moderator+)',
    description:
      'Only when no trade exists but the creator’s initial one; refunds the collateral to the creator.',
  })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND', 'CONFLICT')
  delete(@CurrentUser() user: AuthenticatedUser, @IdParam() id: string): Promise<void> {
    return this.trading.deleteMarket(user, id);
  }

  @Post(':id/resolve')
  @HttpCode(202)
  @RequirePermissions('write')
  @ApiOperation({
    summary: 'Resolve a market YES or NO, or CANCEL it (owner or moderator+)',
    description:
      'Trading stops at once. Payouts (1.00 per winning share) or refunds (net investment) are made by a ' +
      'background settlement job; `jobId` identifies it. Resolving twice is 409.',
  })
  @ApiEnvelope(ResolveResponse, { status: 202 })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND', 'FORBIDDEN', 'CONFLICT')
  resolve(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam() id: string,
    @Body() body: ResolveDto,
  ): Promise<ResolveResponse> {
    return this.resolution.resolve(user, id, body.outcome);
  }

  @Get(':id/trades')
  @ApiOperation({ summary: "The market's trades, newest first (cursor pages)" })
  @ApiEnvelope(TradeResponse, { paginated: 'cursor' })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  trades(@IdParam() id: string, @Query() query: CursorPageQueryDto): Promise<Page<TradeResponse>> {
    return this.positions.tradesOfMarket(id, query.limit, query.cursor);
  }

  @Get(':id/history')
  @ApiOperation({
    summary: 'Candles of the YES probability, oldest first',
    description: 'At most 1,000 candles per request; buckets without trades are omitted.',
  })
  @ApiEnvelope(CandleResponse, { isArray: true })
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  history(@IdParam() id: string, @Query() query: HistoryQueryDto): Promise<CandleResponse[]> {
    return this.positions.history(id, query);
  }
}
