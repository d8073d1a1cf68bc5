import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Page } from '../../common/http/envelope';
import { ApiEnvelope, ApiErrors } from '../../common/openapi/api-envelope.decorator';
import { CursorPageQueryDto } from '../../common/pagination/pagination.dto';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user';
import { RequirePermissions } from '../../common/auth/require-permissions.decorator';
import { TradeResponse } from './dto/trading.response';
import { PositionsService } from './positions.service';

@ApiTags('Me')
@RequirePermissions('read')
@Controller('me')
export class MeTradesController {
  constructor(private readonly positions: PositionsService) {}

  @Get('trades')
  @ApiOperation({ summary: "The caller's trades, newest first (cursor pages)" })
  @ApiEnvelope(TradeResponse, { paginated: 'cursor' })
  @ApiErrors('VALIDATION_FAILED')
  trades(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: CursorPageQueryDto,
  ): Promise<Page<TradeResponse>> {
    return this.positions.tradesOfUser(user, query.limit, query.cursor);
  }
}
