using System.Diagnostics;
using Demo;
using Demo.Fleet;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Demo;

/// <summary>
/// <c>Demo --backend URL --bots N</c> against a deployment with its registration budget
/// (<c>Online:AccountsPerAddressPerDay</c>, 20 by default): before, every run registered N new accounts from one address,
/// so a run of more bots than the budget (or a second run the same day) left the rest waiting 72 minutes for a permit and
/// failed with only "bots were not playing". Now <c>--accounts NAME</c> reuses the same accounts each run (their passwords
/// derived from <c>TRAKTOR_BOTS_SECRET</c>), and a bot the budget refuses says so and stops, and the run says how to go on.
/// </summary>
public sealed class PlayersAccountsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public void Accounts_name_the_bots_of_a_deployed_backend_the_same_every_run()
    {
        var options = DemoOptions.Parse(["--backend", "http://127.0.0.1:8080", "--bots", "30", "--accounts", "load-test"]);
        Assert.Equal((DemoMode.Players, "load-test"), (options.Mode, options.Accounts));
        Assert.Equal("load-test-07", FleetRun.BotName(options.Accounts, 7, "a1b2"));
        Assert.Equal("load-test-07", FleetRun.BotName(options.Accounts, 7, "c3d4"));
        Assert.Equal("pilot-07-a1b2", FleetRun.BotName(null, 7, "a1b2"));

        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--backend", "http://127.0.0.1:8080", "--accounts", "Load Test"]));
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--backend", "http://127.0.0.1:8080", "--accounts", new string('a', DemoOptions.MaxAccountsPrefixLength + 1)]));
        Assert.Throws<ArgumentException>(() => DemoOptions.Parse(["--servers", "2", "--accounts", "load"]));
    }

    [Fact]
    public void The_passwords_of_reused_accounts_come_from_a_secret_not_from_their_names()
    {
        // Before: "fleet-demo-{name}-pw", so anyone who knew a load test's account names could sign in as its bots.
        string secret = "a secret of the load test";
        string password = FleetRun.BotPassword(secret, "load-test-07");
        Assert.Equal(password, FleetRun.BotPassword(secret, "load-test-07")); // the same every run: later runs log in
        Assert.DoesNotContain("load-test", password);
        Assert.NotEqual(password, FleetRun.BotPassword(secret, "load-test-08"));
        Assert.NotEqual(password, FleetRun.BotPassword("another secret of equal length", "load-test-07"));
        Assert.True(password.Length >= 32);
        // Accounts used for one run get random passwords.
        Assert.NotEqual(FleetRun.BotPassword(null, "pilot-07-a1b2"), FleetRun.BotPassword(null, "pilot-07-a1b2"));

        Assert.False(FleetRun.TryBotsSecret(null, out string? missing));
        Assert.Contains(FleetRun.BotsSecretVariable, missing);
        Assert.False(FleetRun.TryBotsSecret(new string('s', FleetRun.MinBotsSecretLength - 1), out _));
        Assert.True(FleetRun.TryBotsSecret(new string('s', FleetRun.MinBotsSecretLength), out string? none));
        Assert.Null(none);
    }

    [Fact]
    public async Task A_bot_past_the_registration_budget_says_so_and_a_later_run_logs_in_to_the_accounts_already_registered()
    {
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:AccountsPerAddressPerDay=1");
        var clock = Stopwatch.StartNew();
        var session = new SessionOptions("fleet-arena-test", 4);
        FleetBot Bot(int index, string secret = "a secret of the load test")
        {
            string name = FleetRun.BotName("load", index, "unused");
            return new(index, name, FleetRun.BotPassword(secret, name), server.BaseAddress, session, new LinkConditions(), clock, NullLogger.Instance);
        }

        using var first = Bot(1);
        using var second = Bot(2);
        first.Join();
        await WaitUntilAsync(() => first.Multiplayer.UserId is not null);
        second.Join();
        await WaitUntilAsync(() => second.RegistrationRefused is not null);
        Assert.Equal(OnlineProblemTypes.RegistrationLimited, second.RegistrationRefused!.ProblemType);
        Assert.Null(second.Multiplayer.UserId);

        // The next run's bot of the same name logs in to the account the first registered: no permit needed.
        using var again = Bot(1);
        again.Join();
        await WaitUntilAsync(() => again.Multiplayer.UserId is not null);
        Assert.Equal(first.Multiplayer.UserId, again.Multiplayer.UserId);
        Assert.Null(again.RegistrationRefused);
        foreach (var bot in new[] { first, second, again })
        {
            bot.Stop();
        }
    }

    /// <summary>Waits for a bot's state; the bots raise no event for logging in (their quick-joins go on in the background).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(10, Cancel);
        }
    }
}
