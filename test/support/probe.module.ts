import { Body, Controller, Get, Header, HttpCode, Module, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import { DataSource } from 'typeorm';
import { IsDecimalString } from '../../src/common/decorators/decimal-string.decorator';
import { IdParam } from '../../src/common/http/id-param.decorator';
import { Page } from '../../src/common/http/envelope';
import { RawResponse } from '../../src/common/http/enveloping-fastify-adapter';
import { PageQueryDto } from '../../src/common/pagination/pagination.dto';

class AmountDto {
  @IsDecimalString({ places: 2, min: '0.01', max: '1000000', example: '10.00' })
  amount!: string;
}

class EchoDto {
  @IsString() @Length(1, 10) name!: string;
  @IsOptional() @IsInt() @Min(0) @Max(5) count?: number;
  @IsOptional() @ValidateNested() @Type(() => AmountDto) payment?: AmountDto;
}

/** Routes that exist only in tests, to drive the cross-cutting pipeline from outside. */
@Controller('probe')
class ProbeController {
  constructor(private readonly db: DataSource) {}

  @Post('echo')
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Get('items/:id')
  item(@IdParam() id: string) {
    return { id };
  }

  @Get('page')
  page(@Query() query: PageQueryDto) {
    return new Page([{ n: 1 }], {
      limit: query.limit,
      offset: query.offset ?? 0,
      total: 1,
      hasMore: false,
    });
  }

  @Get('nothing')
  nothing(): undefined {
    return undefined;
  }

  @Post('no-content')
  @HttpCode(204)
  noContent() {
    return { ignored: true };
  }

  @Get('raw')
  @RawResponse()
  @Header('content-type', 'text/plain; charset=utf-8')
  raw(): string {
    return 'probe 1\n';
  }

  @Get('boom')
  boom(): never {
    throw new Error('password=hunter2 failed at SELECT * FROM users WHERE secret');
  }

  @Get('duplicate')
  async duplicate(): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.query('CREATE TEMP TABLE probe_unique (x int PRIMARY KEY) ON COMMIT DROP');
      await manager.query('INSERT INTO probe_unique VALUES (1), (1)');
    });
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
