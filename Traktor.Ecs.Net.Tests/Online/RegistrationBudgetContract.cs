using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Authentication;
using Traktor.Ecs.Net.Online.RateLimiting;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// Accounts per address per day (<see cref="AuthenticationOptions.AccountsPerAddressPerDay"/>, 20 by default): before it,
/// one address could register as fast as the sign-in rate let it, 30 a minute, about 1.3 million accounts a month.
/// </summary>
public abstract class RegistrationBudgetContract<THarness> : OnlineContract<THarness> where THarness : IOnlineHarness, new()
{
    private const string Address = "203.0.113.7";
    private static readonly TimeSpan OnePermit = TimeSpan.FromDays(1) / AuthenticationOptions.DefaultAccountsPerAddressPerDay;

    [Fact]
    public async Task An_address_registers_its_daily_budget_then_is_refused_without_an_account()
    {
        await using var online = await StartAsync();
        var auth = online.Embedded!.Authentication;
        for (int i = 0; i < AuthenticationOptions.DefaultAccountsPerAddressPerDay; i++)
        {
            await auth.RegisterAsync($"flood{i}", Password, Address, Cancel);
        }

        var refused = await AssertErrorAsync(OnlineError.RateLimited, () => auth.RegisterAsync("one-more", Password, Address, Cancel));
        Assert.Equal(OnlineProblemTypes.RegistrationLimited, refused.ProblemType);
        Assert.Equal(OnePermit, refused.RetryAfter);
        var viaRegisterOrLogIn = await AssertErrorAsync(OnlineError.RateLimited, () => auth.RegisterOrLogInAsync("one-more", Password, Address, Cancel));
        Assert.Equal(OnlineProblemTypes.RegistrationLimited, viaRegisterOrLogIn.ProblemType);
        await AssertErrorAsync(OnlineError.Unauthorized, () => auth.LoginAsync("one-more", Password, Cancel));

        // What is not a new account is answered as before: a taken name, a login, a sign-in of an existing account.
        await AssertErrorAsync(OnlineError.Conflict, () => auth.RegisterAsync("flood0", Password, Address, Cancel));
        await auth.LoginAsync("flood1", Password, Address, Cancel);
        await auth.RegisterOrLogInAsync("flood2", Password, Address, Cancel);

        // Other addresses, and callers that name none (in-process, game servers), are not counted against it.
        await auth.RegisterAsync("neighbour", Password, "198.51.100.1", Cancel);
        await auth.RegisterAsync("in-process", Password, Cancel);

        // The budget comes back one account every 24 h / 20.
        online.Time.Advance(OnePermit);
        await auth.RegisterAsync("next-day-ish", Password, Address, Cancel);
        await AssertErrorAsync(OnlineError.RateLimited, () => auth.RegisterAsync("too-soon", Password, Address, Cancel));
    }

    [Fact]
    public async Task A_registration_that_loses_its_name_to_another_costs_no_permit_and_racing_gets_no_more_accounts_than_the_budget()
    {
        await using var online = await StartAsync();
        var auth = online.Embedded!.Authentication;
        UserAccount?[] outcomes;
        // Both requests find the name free and take a permit, then wait for a hashing slot: one registers the name, the other
        // loses it at the insert (409). Before, the loser's permit stayed spent.
        await using (var occupied = await HashingOccupation.StartAsync(auth.Hashing, auth.Hashing.MaxConcurrent))
        {
            Task<UserAccount>[] racers = [auth.RegisterAsync("contested", Password, Address, Cancel), auth.RegisterAsync("Contested", Password, Address, Cancel)];
            await occupied.WaitForAdmittedAsync(auth.Hashing.MaxConcurrent + racers.Length);
            occupied.Release();
            outcomes = await Task.WhenAll(racers.Select(async racer =>
            {
                try
                {
                    return await racer;
                }
                catch (OnlineException exception) when (exception.Error == OnlineError.Conflict)
                {
                    return (UserAccount?)null;
                }
            }));
        }
        Assert.Single(outcomes, account => account is not null);

        // One account so far: the rest of the day's budget, and not one more (a refund per lost race, never per account).
        for (int i = 1; i < AuthenticationOptions.DefaultAccountsPerAddressPerDay; i++)
        {
            await auth.RegisterAsync($"after-race{i}", Password, Address, Cancel);
        }
        await AssertErrorAsync(OnlineError.RateLimited, () => auth.RegisterAsync("one-more", Password, Address, Cancel));
    }

    [Fact]
    public async Task A_registration_refused_busy_or_cancelled_before_its_hash_costs_no_permit()
    {
        await using var online = await StartAsync();
        var auth = online.Embedded!.Authentication;
        var gate = auth.Hashing;
        await using (var occupied = await HashingOccupation.StartAsync(gate, gate.MaxConcurrent + gate.MaxQueued - 1))
        {
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
            var cancelled = auth.RegisterAsync("cancelled", Password, Address, cancellation.Token);
            await occupied.WaitForAdmittedAsync(gate.MaxConcurrent + gate.MaxQueued);
            var busy = await AssertErrorAsync(OnlineError.Unavailable, () => auth.RegisterAsync("refused-busy", Password, Address, Cancel));
            Assert.Equal(OnlineProblemTypes.Busy, busy.ProblemType);
            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        }

        // Neither made an account, so neither is counted: the whole budget is left.
        for (int i = 0; i < AuthenticationOptions.DefaultAccountsPerAddressPerDay; i++)
        {
            await auth.RegisterAsync($"later{i}", Password, Address, Cancel);
        }
        await AssertErrorAsync(OnlineError.RateLimited, () => auth.RegisterAsync("one-more", Password, Address, Cancel));
        Assert.Null(await FindUserAsync(online, "cancelled"));
        Assert.Null(await FindUserAsync(online, "refused-busy"));
    }

    private static async Task<long?> FindUserAsync(OnlineTestContext online, string name)
    {
        try
        {
            return (await online.Authentication.LoginAsync(name, Password, Cancel)).UserId;
        }
        catch (OnlineException exception) when (exception.Error == OnlineError.Unauthorized)
        {
            return null;
        }
    }

    [Fact]
    public async Task The_counter_of_an_address_is_pruned_once_its_budget_is_whole_again()
    {
        await using var online = await StartAsync();
        var auth = online.Embedded!.Authentication;
        await auth.RegisterAsync("first", Password, Address, Cancel);
        await auth.RegisterAsync("second", Password, "198.51.100.1", Cancel);
        Assert.Equal(0, (await online.Embedded.Maintenance.PruneAsync(Cancel)).RateLimits);

        online.Time.Advance(OnePermit + TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, (await online.Embedded.Maintenance.PruneAsync(Cancel)).RateLimits);
    }

    [Fact]
    public async Task A_permit_given_back_after_its_counter_was_pruned_and_created_again_gives_no_extra_account()
    {
        // A registration whose request outlasts one permit's share of the day (72 min) and then makes no account: meanwhile its
        // counter came back whole, maintenance deleted it, and the address's next registrations counted in a new row. Before
        // (attack review 21), giving the old permit back took an interval off the new row: 21 registrations in a day of 20.
        await using var online = await StartAsync();
        var counter = new AddressCounter(new SharedRateLimiter(online.Embedded!.Database, online.Time));
        var (wait, slowPermit) = await counter.TakePermitAsync();
        Assert.Null(wait);

        online.Time.Advance(OnePermit + TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, (await online.Embedded.Maintenance.PruneAsync(Cancel)).RateLimits);
        for (int i = 0; i < AddressCounter.Permits; i++)
        {
            Assert.Null(await counter.TakeAsync());
        }
        await counter.GiveBackAsync(slowPermit);

        Assert.Equal(OnePermit, await counter.TakeAsync());

        // A permit given back to the row that counted it still comes back.
        online.Time.Advance(OnePermit);
        var (granted, permit) = await counter.TakePermitAsync();
        Assert.Null(granted);
        await counter.GiveBackAsync(permit);
        Assert.Null(await counter.TakeAsync());
        Assert.Equal(OnePermit, await counter.TakeAsync());
    }

    [Fact]
    public async Task A_permit_given_back_after_its_row_restarted_from_now_gives_no_extra_account()
    {
        // The same request outlasting its permit's share, with no maintenance run: the row's arrival time fell behind now, the
        // address's next registration restarted it from now in the same row, and giving the old permit back took an
        // interval off the new grants' count (review35): 21 registrations in a day of 20.
        await using var online = await StartAsync();
        var counter = new AddressCounter(new SharedRateLimiter(online.Embedded!.Database, online.Time));
        var (wait, slowPermit) = await counter.TakePermitAsync();
        Assert.Null(wait);

        online.Time.Advance(OnePermit + TimeSpan.FromMilliseconds(1));
        for (int i = 0; i < AddressCounter.Permits; i++)
        {
            Assert.Null(await counter.TakeAsync());
        }
        await counter.GiveBackAsync(slowPermit);

        Assert.Equal(OnePermit, await counter.TakeAsync());
    }

    [Fact]
    public async Task A_permit_given_back_before_it_came_back_by_itself_is_given_back_whole()
    {
        // Half a permit's share into the request, with the address's other registrations counted after it: the address then
        // waits as long as it would have had the request never asked.
        await using var online = await StartAsync();
        var counter = new AddressCounter(new SharedRateLimiter(online.Embedded!.Database, online.Time));
        var (wait, permit) = await counter.TakePermitAsync();
        Assert.Null(wait);
        for (int i = 1; i < AddressCounter.Permits; i++)
        {
            Assert.Null(await counter.TakeAsync());
        }
        Assert.Equal(OnePermit, await counter.TakeAsync());

        online.Time.Advance(OnePermit / 2);
        await counter.GiveBackAsync(permit);

        Assert.Null(await counter.TakeAsync());
        Assert.Equal(OnePermit / 2, await counter.TakeAsync());
    }

    [Fact]
    public async Task A_permit_given_back_after_an_earlier_one_and_a_restart_from_now_gives_no_extra_account()
    {
        // Two registrations take a permit each; the first makes no account and gives its permit back before the second
        // finishes (out of order). The second outlasts its permit's share, the address's next registrations restart the row
        // from now, and then the second makes no account either. Before (review42), the first give-back took the second's
        // place off the row's count, so the second read one interval late, as still counted after the restart, and its
        // give-back took an interval off the new grants: 21 registrations in a day of 20.
        await using var online = await StartAsync();
        var counter = new AddressCounter(new SharedRateLimiter(online.Embedded!.Database, online.Time));
        var (firstWait, first) = await counter.TakePermitAsync();
        var (secondWait, second) = await counter.TakePermitAsync();
        Assert.Null(firstWait);
        Assert.Null(secondWait);
        await counter.GiveBackAsync(first);

        online.Time.Advance(OnePermit + TimeSpan.FromMilliseconds(1));
        for (int i = 0; i < AddressCounter.Permits; i++)
        {
            Assert.Null(await counter.TakeAsync());
        }
        await counter.GiveBackAsync(second);

        Assert.Equal(OnePermit, await counter.TakeAsync());
    }

    [Fact]
    public async Task Permits_given_back_out_of_order_while_still_counted_both_come_back()
    {
        await using var online = await StartAsync();
        var counter = new AddressCounter(new SharedRateLimiter(online.Embedded!.Database, online.Time));
        var (_, first) = await counter.TakePermitAsync();
        var (_, second) = await counter.TakePermitAsync();
        await counter.GiveBackAsync(first);
        await counter.GiveBackAsync(second);

        for (int i = 0; i < AddressCounter.Permits; i++)
        {
            Assert.Null(await counter.TakeAsync());
        }
        Assert.Equal(OnePermit, await counter.TakeAsync());
    }

    /// <summary>The registration counter of <see cref="Address"/>, with the budget registration uses.</summary>
    private sealed class AddressCounter(SharedRateLimiter limiter)
    {
        public static readonly int Permits = AuthenticationOptions.DefaultAccountsPerAddressPerDay;
        private const string Key = "register:" + Address;
        private static readonly TimeSpan Window = TimeSpan.FromDays(1);

        public Task<TimeSpan?> TakeAsync() => limiter.TryAcquireAsync(Key, Permits, Window, Cancel);

        public Task<(TimeSpan? RetryAfter, RatePermit Permit)> TakePermitAsync() => limiter.TryAcquirePermitAsync(Key, Permits, Window, Cancel);

        public Task GiveBackAsync(RatePermit permit) => limiter.ReleaseAsync(Key, Permits, Window, permit, Cancel);
    }
}

public sealed class SqliteRegistrationBudgetTests : RegistrationBudgetContract<SqliteHarness>;
public sealed class PostgresRegistrationBudgetTests : RegistrationBudgetContract<PostgresHarness>;
