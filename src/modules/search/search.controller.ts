import { Controller, Get, HttpCode, HttpStatus, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrors } from '../../common/openapi/api-envelope.decorator';
import { AuthenticatedUser, CurrentUser } from '../auth/authenticated-user';
import { RequirePermissions } from '../auth/require-permissions.decorator';
import {
  ReindexResponse,
  SearchMarketsQueryDto,
  SearchResultResponse,
  toSearchResultResponse,
} from './dto/search.dto';
import { SearchService } from './search.service';

@ApiTags('Search')
@Controller('search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Get('markets')
  @ApiOperation({
    summary: 'Search markets by words and by meaning, best first',
    description:
      'Public. `hybrid` (default) fuses keyword matches (full text over name, tags and ' +
      'description, plus typo-tolerant name matching) and semantic matches (embeddings) by ' +
      'reciprocal rank fusion (k = 60); each result says which searches found it in ' +
      '`matchedBy`. Without a working embeddings provider, hybrid answers with keyword ' +
      'matches only. See docs/search.md.',
  })
  @ApiEnvelope(SearchResultResponse, { isArray: true })
  @ApiErrors('VALIDATION_FAILED', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE')
  async markets(
    @Query() query: SearchMarketsQueryDto,
    @Req() request: FastifyRequest & { user?: AuthenticatedUser },
  ): Promise<SearchResultResponse[]> {
    const hits = await this.search.search({
      query: query.q,
      mode: query.mode,
      status: query.status ?? null,
      limit: query.limit,
      // The same client identity as the rate limiter's (request.ip honours TRUST_PROXY).
      clientKey: request.user ? `user:${request.user.id}` : `ip:${request.ip}`,
    });
    return hits.map(toSearchResultResponse);
  }

  @Post('reindex')
  @HttpCode(HttpStatus.ACCEPTED)
  @RequirePermissions('admin')
  @ApiOperation({
    summary: 'Rebuild the semantic search index in the background (admin)',
    description:
      'Queues a `market.reindex-all` job that walks every market and re-embeds those whose ' +
      'text, model or vector size changed. While one is queued or running, the same job id ' +
      'is returned. Keyword search needs no rebuild: it is current on every write.',
  })
  @ApiEnvelope(ReindexResponse, { status: 202, description: 'Accepted: the job is queued' })
  @ApiErrors('RATE_LIMITED', 'SERVICE_UNAVAILABLE')
  async reindex(@CurrentUser() user: AuthenticatedUser): Promise<ReindexResponse> {
    return { jobId: await this.search.reindex(user.id) };
  }
}
