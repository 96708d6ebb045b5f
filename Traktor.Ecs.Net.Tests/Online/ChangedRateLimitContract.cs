using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.RateLimiting;
using Traktor.Ecs.Net.Online.Storage;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// A shared limit whose setting changes (<c>Online:AccountsPerAddressPerDay</c> raised for a load test, or lowered) while
/// a key's row holds spent permits. The row used to keep those permits' cost at the old rate: an address that had spent
/// 20 of 20 a day still owed a whole day after the budget was raised to 200, and got one account every 7.2 min instead of
/// the 180 left (seen deploying by hand, 7 December 2026). The row now keeps the interval it is counted in, and a request
/// with another limit restates the permits spent in its own interval (migration 15). A permit given back is placed among the
/// row's grants (migration 16), so whether it is still counted follows a rescale; its come-back time, kept in the interval of
/// its grant, did not.
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
    public async Task A_permit_given_back_after_a_raise_brought_it_back_already_returns_nothing()
    {
        await using var online = await StartAsync();
        var limiter = new SharedRateLimiter(online.Embedded!.Database, online.Time);
        var (_, permit) = await limiter.TryAcquirePermitAsync(Key, 20, Day, Cancel); // back by itself 72 min on, at 20 a day
        Assert.Equal(1, await GrantedAsync(limiter, 200, atMost: 1)); // raised: restated as 7.2 min, plus this one's 7.2 min
        online.Time.Advance(TimeSpan.FromMinutes(15)); // both back by themselves at the new rate
        Assert.Equal(200, await GrantedAsync(limiter, 200));

        // The permit's request outlasted the permit's share (as in attack review 21's case) and gives it back.
        await limiter.ReleaseAsync(Key, 20, Day, permit, Cancel);

        // Its share was restated in 200 a day and it came back 7.2 min after the raise: giving it back now would take a
        // later grant's interval, a 201st account (it did while the permit's time stayed at 72 min, in the old interval).
        Assert.Equal(Day / 200, await limiter.TryAcquireAsync(Key, 200, Day, Cancel));
    }

    [Fact]
    public async Task A_permit_given_back_after_a_lowered_limit_kept_it_spent_returns_it()
    {
        await using var online = await StartAsync();
        var limiter = new SharedRateLimiter(online.Embedded!.Database, online.Time);
        var (_, permit) = await limiter.TryAcquirePermitAsync(Key, 200, Day, Cancel); // back by itself 7.2 min on, at 200 a day
        Assert.Equal(19, await GrantedAsync(limiter, 20)); // lowered: restated as 72 min, one of the 20
        online.Time.Advance(TimeSpan.FromMinutes(10)); // past the permit's old time, not its new one
        Assert.Equal(TimeSpan.FromMinutes(62), await limiter.TryAcquireAsync(Key, 20, Day, Cancel));

        await limiter.ReleaseAsync(Key, 200, Day, permit, Cancel);

        // Still spent in the row's interval (72 min), so it comes off: the address may register now (it was told to wait
        // 62 min while the give-back was skipped for a permit taken as back at its old time, 7.2 min).
        Assert.Null(await limiter.TryAcquireAsync(Key, 20, Day, Cancel));
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
