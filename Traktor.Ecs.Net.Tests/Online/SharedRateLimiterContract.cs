using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.RateLimiting;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// <see cref="SharedRateLimiter"/>'s row against maintenance's prune of spent limits (<c>tat &lt; now</c>) running
/// between the statements of a request (attack review 23). A trigger runs that delete right after the upsert that
/// creates or locks the row: an upsert that left a stale row's arrival time in the past let the delete take the row, the
/// grant's update then changed nothing, and the permit went uncounted (failed before on SQLite and PostgreSQL: three of
/// two permits granted). On PostgreSQL the upsert's row lock already made another node's delete wait and re-check the
/// updated row; the trigger runs the delete inside the request's own transaction, where no lock stops it, so the row must
/// be safe from it by its values alone.
/// </summary>
public abstract class SharedRateLimiterContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    private const string Key = "auth:203.0.113.23";
    private const int Permits = 2;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_permit_on_a_row_maintenance_prunes_mid_request_is_still_counted()
    {
        await using var online = await StartAsync();
        var database = online.Embedded!.Database;
        var limiter = new SharedRateLimiter(database, online.Time);
        Assert.Null(await limiter.TryAcquireAsync(Key, Permits, Window, Cancel));

        // The row's budget is whole again: maintenance would delete it now.
        online.Time.Advance(Window * 2);
        await PruneSpentLimitsAfterEveryWriteAsync(database, online.Time.GetUtcNow().ToUnixTimeMilliseconds());

        Assert.Null(await limiter.TryAcquireAsync(Key, Permits, Window, Cancel));
        Assert.Null(await limiter.TryAcquireAsync(Key, Permits, Window, Cancel));
        Assert.Equal(Window / Permits, await limiter.TryAcquireAsync(Key, Permits, Window, Cancel));

        long now = online.Time.GetUtcNow().ToUnixTimeMilliseconds();
        long tat = await database.ReadAsync(connection => connection.QuerySingleOrDefaultAsync(null,
            "SELECT tat FROM rate_limits WHERE limit_key = @k", reader => reader.GetInt64(0), Cancel, ("@k", Key)), Cancel);
        Assert.Equal(now + (long)Window.TotalMilliseconds, tat);
    }

    /// <summary>Runs maintenance's delete of spent limits (as of <paramref name="now"/>) after every insert or update of a row.</summary>
    private static Task PruneSpentLimitsAfterEveryWriteAsync(OnlineDatabase database, long now) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            if (database.ProviderName == "postgresql")
            {
                await connection.ExecuteAsync(transaction,
                    "CREATE FUNCTION prune_spent_limits() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " +
                    $"DELETE FROM rate_limits WHERE tat < {now}; RETURN NULL; END $$", Cancel);
                return await connection.ExecuteAsync(transaction,
                    "CREATE TRIGGER prune_between AFTER INSERT OR UPDATE ON rate_limits FOR EACH STATEMENT EXECUTE FUNCTION prune_spent_limits()", Cancel);
            }
            // SQLite has row triggers only; an upsert that finds the row fires its UPDATE triggers.
            await connection.ExecuteAsync(transaction,
                $"CREATE TRIGGER prune_after_insert AFTER INSERT ON rate_limits BEGIN DELETE FROM rate_limits WHERE tat < {now}; END", Cancel);
            return await connection.ExecuteAsync(transaction,
                $"CREATE TRIGGER prune_after_update AFTER UPDATE ON rate_limits BEGIN DELETE FROM rate_limits WHERE tat < {now}; END", Cancel);
        }, Cancel);
}

public sealed class SqliteSharedRateLimiterTests : SharedRateLimiterContract<SqliteHarness>;
public sealed class PostgresSharedRateLimiterTests : SharedRateLimiterContract<PostgresHarness>;
