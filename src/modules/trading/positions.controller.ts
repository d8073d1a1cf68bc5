import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Idempotent } from '../../database/idempotency/idempotency-store';
import { IdParam } from '../../common/http/id-param.decorator';
import { IdempotencyKey, IdempotentRoute } from '../../common/http/idempotency-key.decorator';
import { Page } from '../../common/http/envelope';
import { ApiEnvelope, ApiErrors } from '../../common/openapi/api-envelope.decorator';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user';
import { RequirePermissions } from '../../common/auth/require-permissions.decorator';
import { BuyDto, PositionListQueryDto, SellDto } from './dto/trading.dto';
import { PositionResponse, TradeResultResponse } from './dto/trading.response';
import { PositionsService } from './positions.service';
import { TradingService } from './trading.service';

@ApiTags('Trading')
@Controller('positions')
export class PositionsController {
  constructor(
    private readonly trading: TradingService,
    private readonly positions: PositionsService,
  ) {}

  @Post()
  @RequirePermissions('write')
  @IdempotentRoute()
  @ApiOperation({ summary: 'Buy shares of an outcome for an amount of credits' })
  @ApiEnvelope(TradeResultResponse, { status: 201 })
  @ApiErrors(
    'VALIDATION_FAILED',
    'NOT_FOUND',
    'MARKET_NOT_OPEN',
    'SLIPPAGE_EXCEEDED',
    'INSUFFICIENT_FUNDS',
  )
  async buy(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: BuyDto,
    @IdempotencyKey() key: string | undefined,
  ): Promise<Idempotent<TradeResultResponse>> {
    return this.trading.buy(user, body, key);
  }

  @Get()
  @RequirePermissions('read')
  @ApiOperation({ summary: "The caller's positions, newest first (cursor pages)" })
  @ApiEnvelope(PositionResponse, { paginated: 'cursor' })
  @ApiErrors('VALIDATION_FAILED')
  list(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: PositionListQueryDto,
  ): Promise<Page<PositionResponse>> {
    return this.positions.pageForUser(user, query);
  }

  @Get(':id')
  @RequirePermissions('read')
  @ApiOperation({ summary: 'One position (its owner or an admin; anyone else gets 404)' })
  @ApiEnvelope(PositionResponse)
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  get(@CurrentUser() user: AuthenticatedUser, @IdParam() id: string): Promise<PositionResponse> {
    return this.positions.getForUser(user, id);
  }

  @Post(':id/sell')
  @RequirePermissions('write')
  @IdempotentRoute()
  @ApiOperation({ summary: 'Sell shares of your position (all of them by default)' })
  @ApiEnvelope(TradeResultResponse)
  @ApiErrors(
    'VALIDATION_FAILED',
    'NOT_FOUND',
    'MARKET_NOT_OPEN',
    'SLIPPAGE_EXCEEDED',
    'INSUFFICIENT_SHARES',
  )
  async sell(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam() id: string,
    @Body() body: SellDto,
    @IdempotencyKey() key: string | undefined,
  ): Promise<Idempotent<TradeResultResponse>> {
    return this.trading.sell(user, id, body, key);
  }
}
