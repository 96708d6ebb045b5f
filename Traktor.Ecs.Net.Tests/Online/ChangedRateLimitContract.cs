using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.RateLimiting;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// A shared limit whose setting changes (<c>Online:AccountsPerAddressPerDay</c> raised for a load test, or lowered) while
/// a key's row holds spent permits. The row used to keep those permits' cost at the old rate: an address that had spent
/// 20 of 20 a day still owed a whole day after the budget was raised to 200, and got one account every 7.2 min instead of
/// the 180 left (seen deploying by hand, 7 December 2026). The row now keeps the interval it is counted in, and a request
/// with another limit restates the permits spent in its own interval (migration 15).
/// </summary>
public abstract class ChangedRateLimitContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    private const string Key = "register:203.0.113.9";
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    [Fact]
    public async Task A_raised_limit_leaves_the_new_budget_less_the_permits_spent()
    {
        await using var online = await StartAsync();
        var limiter = new SharedRateLimiter(online.Embedded!.Database, online.Time);
        Assert.Equal(20, await GrantedAsync(limiter, 20));

        Assert.Equal(180, await GrantedAsync(limiter, 200));
        Assert.Equal(Day / 200, await limiter.TryAcquireAsync(Key, 200, Day, Cancel));
    }

    [Fact]
    public async Task A_lowered_limit_leaves_only_what_it_allows_beyond_the_permits_spent()
    {
        await using var online = await StartAsync();
        var limiter = new SharedRateLimiter(online.Embedded!.Database, online.Time);
        Assert.Equal(10, await GrantedAsync(limiter, 200, atMost: 10));

        Assert.Equal(10, await GrantedAsync(limiter, 20));
        // The permits come back at the new rate: one every 24 h ÷ 20.
        online.Time.Advance(Day / 20);
        Assert.Equal(1, await GrantedAsync(limiter, 20));
    }

    [Fact]
    public async Task A_limit_lowered_below_the_permits_spent_holds_the_address_for_at_most_one_window()
    {
        await using var online = await StartAsync();
        var limiter = new SharedRateLimiter(online.Embedded!.Database, online.Time);
        Assert.Equal(84, await GrantedAsync(limiter, 200, atMost: 84)); // a load test's bots, at 200 a day

        // Set back to 20 a day: the 84 spent are more than a whole day of the new limit, so the address waits out the rest of
        // one window (one interval of 72 min here), not 84 permits of 72 min each (100 h; before the cap, 78 h refused).
        Assert.Equal(Day / 20, await limiter.TryAcquireAsync(Key, 20, Day, Cancel));
        online.Time.Advance(Day / 20);
        Assert.Equal(1, await GrantedAsync(limiter, 20));
    }

    [Fact]
    public async Task A_permit_given_back_after_the_limit_changed_returns_one_permit_of_the_new_limit()
    {
        await using var online = await StartAsync();
        var limiter = new SharedRateLimiter(online.Embedded!.Database, online.Time);
        var (_, permit) = await limiter.TryAcquirePermitAsync(Key, 20, Day, Cancel);
        Assert.Equal(19, await GrantedAsync(limiter, 200, atMost: 19));

        await limiter.ReleaseAsync(Key, 20, Day, permit, Cancel);

        // 19 spent of 200: 181 left (taking back the old interval, 72 min, would have returned ten of the new permits).
        Assert.Equal(181, await GrantedAsync(limiter, 200));
    }

    [Fact]
    public async Task A_row_from_before_the_migration_is_counted_in_the_interval_of_its_next_request()
    {
        await using var online = await StartAsync();
        var database = online.Embedded!.Database;
        long now = online.Time.GetUtcNow().ToUnixTimeMilliseconds();
        long threePermits = 3 * (long)(Day / 20).TotalMilliseconds;
        await database.WriteAsync((connection, transaction) => connection.ExecuteAsync(transaction,
            "INSERT INTO rate_limits (limit_key, tat, generation) VALUES (@k, @t, 1)", Cancel, ("@k", Key), ("@t", now + threePermits)), Cancel);

        Assert.Equal(17, await GrantedAsync(new SharedRateLimiter(database, online.Time), 20));
    }

    /// <summary>Permits granted in a row under <paramref name="permitsPerDay"/> until one is refused (or <paramref name="atMost"/>).</summary>
    private static async Task<int> GrantedAsync(SharedRateLimiter limiter, int permitsPerDay, int atMost = int.MaxValue)
    {
        int granted = 0;
        while (granted < atMost && await limiter.TryAcquireAsync(Key, permitsPerDay, Day, Cancel) is null)
        {
            granted++;
        }

        return granted;
    }
}

public sealed class SqliteChangedRateLimitTests : ChangedRateLimitContract<SqliteHarness>;

public sealed class PostgresChangedRateLimitTests : ChangedRateLimitContract<PostgresHarness>;
