import { Body, Controller, Get, Patch, Put, Query, Req } from '@nestjs/common';
import {
  ApiExtension,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IdParam, idParamOf, isUuid } from '../../common/http/id-param.decorator';
import type { FastifyRequest } from 'fastify';
import { Prefetches } from '../../common/http/prefetch';
import { Page, SerializedJson } from '../../common/http/envelope';
import { ApiEnvelope, ApiErrors } from '../../common/openapi/api-envelope.decorator';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user';
import { RequirePermissions } from '../../common/auth/require-permissions.decorator';
import { MarketListQueryDto, QuoteQueryDto } from './dto/market-query.dto';
import { PatchMarketDto, ReplaceMarketDto } from './dto/market-write.dto';
import { MarketFieldsResponse, MarketResponse } from './dto/market.response';
import { OUTCOME_ID_PATTERN } from './market-outcomes';
import { MarketsService, QuoteResponse } from './markets.service';

class QuoteResponseDto implements QuoteResponse {
  @ApiProperty({ pattern: OUTCOME_ID_PATTERN.source, example: 'YES' }) outcome!: string;
  @ApiPropertyOptional({ example: '10.00', description: 'Buy quotes: credits paid' })
  amount?: string;
  @ApiProperty({ example: '19.504582', description: 'Shares bought or sold' }) shares!: string;
  @ApiPropertyOptional({ example: '9.37', description: 'Sell quotes: credits received' })
  proceeds?: string;
  @ApiProperty({ example: '0.512700' }) averagePrice!: string;
  @ApiProperty({ example: 0.5 }) probabilityBefore!: number;
  @ApiProperty({ example: 0.548587 }) probabilityAfter!: number;
}

@ApiTags('Markets')
@Controller('markets')
export class MarketsController {
  constructor(
    private readonly markets: MarketsService,
    private readonly prefetches: Prefetches,
  ) {
    // GET /markets/:id and its quote have the cache entry read with the rate-limit counter:
    // one Redis command per cache hit instead of two.
    const cacheKeysOf = (request: FastifyRequest) => {
      const { id } = request.params as { id: string };
      return isUuid(id) ? markets.cacheKeysOf(id) : undefined;
    };
    prefetches.register(MarketsController.prototype.get, cacheKeysOf);
    prefetches.register(MarketsController.prototype.quote, cacheKeysOf);
  }

  @Get()
  @ApiOperation({
    summary: 'List markets',
    description:
      'Filters, a whitelisted sort, offset or keyset cursor pages, and `fields` to select only some fields. ' +
      'Each item embeds its creator, loaded in one batch for the page.',
  })
  @ApiEnvelope(MarketFieldsResponse, {
    paginated: 'either',
    description: 'Each item has every field, or only those named in `fields`.',
  })
  @ApiErrors('VALIDATION_FAILED')
  list(@Query() query: MarketListQueryDto): Promise<Page<Partial<MarketResponse>>> {
    return this.markets.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One market with its creator (served from cache)' })
  @ApiParam({ name: 'id' })
  @ApiEnvelope(MarketResponse)
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND')
  get(@Req() request: FastifyRequest): Promise<SerializedJson<MarketResponse>> {
    // The hottest read: the id is checked without a pipe chain (idParamOf says why).
    const id = idParamOf(request);
    return this.markets.getById(id, this.prefetches.take(request));
  }

  @Get(':id/quote')
  @ApiOperation({
    summary: 'Price a trade without making it',
    description:
      '`?outcome=YES&amount=10` prices a buy; `?outcome=YES&sellShares=5` prices a sale. No side effects. ' +
      'Priced on the market as last committed, read through the same cache as `GET /markets/{id}`; ' +
      'the trade itself prices again under the market lock and honours the limits sent with it.',
  })
  @ApiExtension('x-exactly-one-of', ['amount', 'sellShares'])
  @ApiEnvelope(QuoteResponseDto)
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND', 'MARKET_NOT_OPEN')
  quote(
    @IdParam() id: string,
    @Query() query: QuoteQueryDto,
    @Req() request: FastifyRequest,
  ): Promise<QuoteResponse> {
    return this.markets.quote(id, query, this.prefetches.take(request));
  }

  @Put(':id')
  @RequirePermissions('write')
  @ApiOperation({ summary: 'Replace the editable fields (owner or moderator+, while active)' })
  @ApiEnvelope(MarketResponse)
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND', 'CONFLICT')
  replace(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam() id: string,
    @Body() body: ReplaceMarketDto,
  ): Promise<MarketResponse> {
    // The DTO instance has every declared field as an own property (undefined when omitted),
    // so defaults must not be spread under it.
    return this.markets.edit(user, id, {
      ...body,
      description: body.description ?? '',
      tags: body.tags ?? [],
    });
  }

  @Patch(':id')
  @RequirePermissions('write')
  @ApiOperation({ summary: 'Change some editable fields (owner or moderator+, while active)' })
  @ApiEnvelope(MarketResponse)
  @ApiErrors('VALIDATION_FAILED', 'NOT_FOUND', 'CONFLICT')
  patch(
    @CurrentUser() user: AuthenticatedUser,
    @IdParam() id: string,
    @Body() body: PatchMarketDto,
  ): Promise<MarketResponse> {
    return this.markets.edit(user, id, body);
  }
}
