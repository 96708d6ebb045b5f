using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// The failed-login counters (<c>LoginThrottle</c>) on both stores: a failure counts on in its rows, a streak older than
/// the failure memory starts again, and a row maintenance could prune is counted on in one statement, not created,
/// pruned and then missed (attack review 22).
/// </summary>
public abstract class LoginThrottleContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    protected const string Address = "203.0.113.9";

    [Fact]
    public async Task Failures_count_on_under_all_three_keys_and_a_streak_older_than_the_memory_starts_again()
    {
        await using var online = await StartAsync();
        var auth = online.Embedded!.Authentication;
        await auth.RegisterAsync("alice", Password, Cancel);

        for (int i = 0; i < 3; i++)
        {
            await AssertErrorAsync(OnlineError.Unauthorized, () => auth.LoginAsync("alice", "wrong password", Address, Cancel));
        }
        Assert.Equal(new long[] { 3, 3, 3 }, await FailureCountsAsync(online.Embedded.Database));

        online.Time.Advance(OnlineTestSettings.Throttle.FailureMemory + TimeSpan.FromSeconds(1));
        await AssertErrorAsync(OnlineError.Unauthorized, () => auth.LoginAsync("alice", "wrong password", Address, Cancel));
        Assert.Equal(new long[] { 1, 1, 1 }, await FailureCountsAsync(online.Embedded.Database));

        // A good login ends the pair's streak and makes the address known-good; the address's and the account's counts stay.
        await auth.LoginAsync("alice", Password, Address, Cancel);
        Assert.Equal(new long[] { 0, 1, 1 }, await FailureCountsAsync(online.Embedded.Database));
    }

    /// <summary>The failures counted for the account-and-address, address and account keys, in that order.</summary>
    protected static async Task<long[]> FailureCountsAsync(OnlineDatabase database)
    {
        var rows = await database.ReadAsync(connection => connection.QueryAsync(null,
            "SELECT throttle_key, failures FROM login_throttle", reader => (Key: reader.GetString(0), Failures: reader.GetInt64(1)), Cancel), Cancel);
        return new[] { "pair:", "addr:", "user:" }.Select(prefix => rows.Single(row => row.Key.StartsWith(prefix, StringComparison.Ordinal)).Failures).ToArray();
    }
}

public sealed class SqliteLoginThrottleTests : LoginThrottleContract<SqliteHarness>;

/// <summary>
/// The prune race on PostgreSQL, where another node's maintenance runs between the statements of a login's write. A
/// statement trigger deletes what maintenance would, right after each insert into the counters: the old
/// <c>INSERT … DO NOTHING</c> left a stale row as it was, the trigger deleted it, and the next read or update found no row,
/// so the failure went uncounted (failed before: the account-and-address key had no row) and a good login made no address
/// known-good.
/// </summary>
public sealed class PostgresLoginThrottleTests : LoginThrottleContract<PostgresHarness>
{
    [Fact]
    public async Task A_failure_on_a_counter_row_maintenance_prunes_mid_write_is_still_counted()
    {
        await using var online = await StartAsync();
        var auth = online.Embedded!.Authentication;
        await auth.RegisterAsync("alice", Password, Cancel);
        await AssertErrorAsync(OnlineError.Unauthorized, () => auth.LoginAsync("alice", "wrong password", Address, Cancel));

        online.Time.Advance(TimeSpan.FromDays(2));
        await PruneAfterEveryInsertAsync(online);
        await AssertErrorAsync(OnlineError.Unauthorized, () => auth.LoginAsync("alice", "wrong password", Address, Cancel));

        Assert.Equal(new long[] { 1, 1, 1 }, await FailureCountsAsync(online.Embedded.Database));
    }

    [Fact]
    public async Task A_good_login_on_a_counter_row_maintenance_prunes_mid_write_still_makes_the_address_known_good()
    {
        await using var online = await StartAsync();
        var auth = online.Embedded!.Authentication;
        await auth.RegisterAsync("alice", Password, Cancel);
        await AssertErrorAsync(OnlineError.Unauthorized, () => auth.LoginAsync("alice", "wrong password", Address, Cancel));

        online.Time.Advance(TimeSpan.FromDays(2));
        await PruneAfterEveryInsertAsync(online);
        await auth.LoginAsync("alice", Password, Address, Cancel);

        long now = online.Time.GetUtcNow().ToUnixTimeMilliseconds();
        long knownGoodUntil = await online.Embedded.Database.ReadAsync(connection => connection.QuerySingleOrDefaultAsync(null,
            "SELECT known_good_until FROM login_throttle WHERE throttle_key LIKE 'pair:%'", reader => reader.GetInt64(0), Cancel), Cancel);
        Assert.True(knownGoodUntil > now, $"known-good until {knownGoodUntil}, now {now}");
    }

    /// <summary>Runs maintenance's delete of login counters (default retention, the test's clock) after every insert statement.</summary>
    private static Task PruneAfterEveryInsertAsync(OnlineTestContext online)
    {
        long now = online.Time.GetUtcNow().ToUnixTimeMilliseconds();
        long old = now - (long)new OnlineMaintenance(online.Embedded!.Database).LoginCounterRetention.TotalMilliseconds;
        return online.Embedded.Database.WriteAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(transaction,
                "CREATE FUNCTION prune_login_counters() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " +
                $"DELETE FROM login_throttle WHERE window_start < {old} AND locked_until <= {now} AND known_good_until <= {now}; RETURN NULL; END $$",
                Cancel);
            return await connection.ExecuteAsync(transaction,
                "CREATE TRIGGER prune_between AFTER INSERT ON login_throttle FOR EACH STATEMENT EXECUTE FUNCTION prune_login_counters()", Cancel);
        }, Cancel);
    }
}
