using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online.Sessions;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions.Directory;

/// <summary>
/// A player who creates sessions and ends them in a loop: a player-hosted session ends when its host leaves, so two
/// requests make an ended session, which the directory keeps (with its members and properties) until the sweep deletes it
/// an hour later. Before (attack review 21) every one was kept: 90,000 sessions an hour from one address at the request
/// budget. Now a player's ended sessions beyond the newest <see cref="SessionDirectoryOptions.EndedSessionsKeptPerPlayer"/> are
/// forgotten when it creates another. In process only: the rule is the directory's, and over HTTP the loop would meet the
/// per-address request budget first.
/// </summary>
public abstract class EndedSessionChurnContract<THarness> where THarness : IDirectoryHarness, new()
{
    private const string Password = "correct horse battery";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<(long Id, ISessions Sessions, IPlayerHostedSessions Hosted)> PlayerAsync(DirectoryNode node, string name)
    {
        var (authentication, sessions) = node.ConnectPlayer();
        await authentication.RegisterAsync(name, Password, Cancel);
        var login = await authentication.LoginAsync(name, Password, Cancel);
        return (login.UserId, sessions, Assert.IsAssignableFrom<IPlayerHostedSessions>(sessions));
    }

    private static async Task<SessionId> CreateAndEndAsync(FakeTimeProvider time, (long Id, ISessions Sessions, IPlayerHostedSessions Hosted) player)
    {
        var properties = new Dictionary<string, string> { ["mode"] = "churn" };
        var grant = await player.Hosted.CreatePlayerHostedSessionAsync(new SessionOptions("churn", 4) { Properties = properties }, player.Id, Cancel);
        Assert.True(await player.Sessions.LeaveSessionAsync(grant.Session.Id, player.Id, Cancel));
        time.Advance(TimeSpan.FromSeconds(1));
        return grant.Session.Id;
    }

    [Fact]
    public async Task A_player_creating_and_ending_sessions_in_a_loop_leaves_only_its_newest_ended_ones()
    {
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(TransportHarness.Start), 1);
        await AssertKeepsOnlyNewestAsync(directory.Node, directory.Time, DirectoryTestSettings.Options.EndedSessionsKeptPerPlayer);
    }

    /// <summary>
    /// A churner creates and ends 24 sessions beside a bystander's ended one: only its newest <paramref name="kept"/> (and the
    /// one ended since the last creation) stay, the bystander's stays, and a live session is never forgotten.
    /// </summary>
    internal static async Task AssertKeepsOnlyNewestAsync(DirectoryNode node, FakeTimeProvider time, int kept)
    {
        var churner = await PlayerAsync(node, "churner");
        var other = await PlayerAsync(node, "bystander");
        var othersEnded = await CreateAndEndAsync(time, other);

        var ids = new List<SessionId>();
        for (int i = 0; i < 24; i++)
        {
            ids.Add(await CreateAndEndAsync(time, churner));
        }

        var readable = new List<SessionId>();
        foreach (var id in ids)
        {
            if (await churner.Sessions.GetSessionAsync(id, Cancel) is { } session)
            {
                Assert.Equal(SessionState.Ended, session.State);
                readable.Add(id);
            }
        }

        // Trimmed when each session was created, so the newest ones it kept and the one ended since: 17 of 24 by default (before: 24).
        Assert.Equal(ids.TakeLast(kept + 1), readable);
        Assert.NotNull(await other.Sessions.GetSessionAsync(othersEnded, Cancel));

        // A live session is never forgotten, and the player still creates.
        var live = await churner.Hosted.CreatePlayerHostedSessionAsync(new SessionOptions("live", 4), churner.Id, Cancel);
        Assert.Equal(SessionState.Live, (await churner.Sessions.GetSessionAsync(live.Session.Id, Cancel))!.State);
    }
}

public sealed class SqliteEndedSessionChurnTests : EndedSessionChurnContract<SqliteDirectoryHarness>;
public sealed class PostgresEndedSessionChurnTests : EndedSessionChurnContract<PostgresDirectoryHarness>;

/// <summary><see cref="SessionDirectoryOptions.EndedSessionsKeptPerPlayer"/> set by the operator, and its range.</summary>
public sealed class EndedSessionsKeptOptionTests
{
    [Fact]
    public async Task A_configured_number_of_ended_sessions_is_what_a_churner_keeps()
    {
        var time = new FakeTimeProvider(TransportHarness.Start);
        await using var directory = await SqliteDirectoryHarness.StartAsync(time, 1, DirectoryTestSettings.Options with { EndedSessionsKeptPerPlayer = 3 });
        await EndedSessionChurnContract<SqliteDirectoryHarness>.AssertKeepsOnlyNewestAsync(directory.Node, time, 3);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(SessionDirectoryOptions.EndedSessionsKeptPerPlayerLimit + 1)]
    public void A_number_out_of_range_is_refused_naming_it(int kept)
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => (DirectoryTestSettings.Options with { EndedSessionsKeptPerPlayer = kept }).Validate());
        Assert.Equal(nameof(SessionDirectoryOptions.EndedSessionsKeptPerPlayer), refused.ParamName);
    }
}
