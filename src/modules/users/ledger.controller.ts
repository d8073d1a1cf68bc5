import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Page } from '../../common/http/envelope';
import { ApiEnvelope, ApiErrors } from '../../common/openapi/api-envelope.decorator';
import { CursorPageQueryDto } from '../../common/pagination/pagination.dto';
import { AuthenticatedUser, CurrentUser } from '../../common/auth/authenticated-user';
import { RequirePermissions } from '../../common/auth/require-permissions.decorator';
import { LedgerEntryResponse, toLedgerEntryResponse } from './dto/user.response';
import { LedgerService } from './ledger.service';

@ApiTags('Me')
@RequirePermissions('read')
@Controller('me')
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Get('ledger')
  @ApiOperation({ summary: "The caller's balance history, newest first (cursor pages)" })
  @ApiEnvelope(LedgerEntryResponse, { paginated: 'cursor' })
  @ApiErrors('VALIDATION_FAILED')
  async ledgerPage(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: CursorPageQueryDto,
  ): Promise<Page<LedgerEntryResponse>> {
    const page = await this.ledger.pageForUser(user.id, query.limit, query.cursor);
    return new Page(page.items.map(toLedgerEntryResponse), page.pagination);
  }
}
