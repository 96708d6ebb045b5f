using System.Net;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Sessions.Directory;

/// <summary>
/// A host migration's takeover against a new host that is alive but not reachable yet, in process (SQLite, PostgreSQL) and
/// over HTTP, on the directory's own clock: the new host keeps the session for the publish grace before its first heartbeat,
/// and a claim that names a host the session no longer has is refused with <see cref="OnlineProblemTypes.HostChanged"/>.
/// </summary>
public abstract class HostTakeoverRaceContract<THarness> where THarness : IDirectoryHarness, new()
{
    private const string Password = "correct horse battery";
    private static readonly IPEndPoint Address = IPEndPoint.Parse("198.51.100.1:5000");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<(long Id, ISessions Sessions, IPlayerHostedSessions Hosted)> PlayerAsync(DirectoryNode node, string name)
    {
        var (authentication, sessions) = node.ConnectPlayer();
        await authentication.RegisterAsync(name, Password, Cancel);
        var login = await authentication.LoginAsync(name, Password, Cancel);
        return (login.UserId, sessions, Assert.IsAssignableFrom<IPlayerHostedSessions>(sessions));
    }

    /// <summary>
    /// The lost host reported <paramref name="first"/> then <paramref name="second"/>; it went silent, the second reported it
    /// lost, and the first took the session over (it has not published its address yet).
    /// </summary>
    private static async Task<SessionId> FirstTookOverAsync(DirectoryContext directory, string tag,
        (long Id, ISessions Sessions, IPlayerHostedSessions Hosted) host, (long Id, ISessions Sessions, IPlayerHostedSessions Hosted) first,
        (long Id, ISessions Sessions, IPlayerHostedSessions Hosted) second)
    {
        var grant = await host.Hosted.CreatePlayerHostedSessionAsync(new SessionOptions(tag, 4), host.Id, Cancel);
        var id = grant.Session.Id;
        Assert.True((await host.Hosted.HostHeartbeatAsync(id, host.Id, [Address], [], Cancel)).Live);
        foreach (var player in new[] { first, second })
        {
            Assert.True((await player.Sessions.JoinSessionAsync(id, player.Id, Cancel)).Succeeded);
        }

        Assert.True((await host.Hosted.HostHeartbeatAsync(id, host.Id, [Address], [first.Id, second.Id], Cancel)).Live);
        directory.Time.Advance(TimeSpan.FromSeconds(5));
        await second.Hosted.ReportHostLostAsync(id, second.Id, Cancel);
        Assert.Equal(first.Id, (await first.Hosted.ClaimHostAsync(id, first.Id, ConnectTokenIssuer.GenerateServerKey(), host.Id, Cancel)).Session.HostUserId);
        return id;
    }

    [Fact]
    public async Task A_new_host_that_has_not_published_yet_keeps_the_session_for_the_publish_grace()
    {
        // Before: a takeover counted as the new host's report, and nothing more. A follower whose join wait ran out while the
        // new host was still starting (no address published, so the join said "not reachable yet") claimed the session past
        // it once it had been silent for HostClaimAfter (2 s), and the directory gave it away: two players hosting, the
        // first never told. Now a host that has not published since it took over is given HostPublishGrace (5 s) on top.
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(TransportHarness.Start), 1);
        var host = await PlayerAsync(directory.Node, "grace-lost-host");
        var first = await PlayerAsync(directory.Node, "grace-new-host");
        var second = await PlayerAsync(directory.Node, "grace-follower");
        var id = await FirstTookOverAsync(directory, "publish-grace", host, first, second);
        byte[] key = ConnectTokenIssuer.GenerateServerKey();

        directory.Time.Advance(TimeSpan.FromSeconds(3));   // past the follower's turn (2 s), within the grace
        var refused = await Assert.ThrowsAsync<OnlineException>(() => second.Hosted.ClaimHostAsync(id, second.Id, key, first.Id, Cancel));
        Assert.Equal(OnlineError.Conflict, refused.Error);
        Assert.NotNull(refused.RetryAfter);
        var unnamed = await Assert.ThrowsAsync<OnlineException>(() => second.Hosted.ClaimHostAsync(id, second.Id, key, Cancel));
        Assert.Equal(OnlineError.Conflict, unnamed.Error);                 // an older client's claim, naming no host, alike
        Assert.Equal(first.Id, (await second.Sessions.GetSessionAsync(id, Cancel))!.HostUserId);

        // The new host publishes: from its heartbeat on it has the ordinary turns, and it reports the follower its successor.
        Assert.True((await first.Hosted.HostHeartbeatAsync(id, first.Id, [Address], [second.Id], Cancel)).Live);
        directory.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(OnlineError.Conflict, (await Assert.ThrowsAsync<OnlineException>(() => second.Hosted.ClaimHostAsync(id, second.Id, key, first.Id, Cancel))).Error);
        directory.Time.Advance(TimeSpan.FromSeconds(1.5));                 // it died after publishing: silent past the turn
        Assert.Equal(second.Id, (await second.Hosted.ClaimHostAsync(id, second.Id, key, first.Id, Cancel)).Session.HostUserId);
    }

    [Fact]
    public async Task A_new_host_that_never_publishes_is_claimed_past_once_the_grace_and_the_turn_are_over()
    {
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(TransportHarness.Start), 1);
        var host = await PlayerAsync(directory.Node, "dead-lost-host");
        var first = await PlayerAsync(directory.Node, "dead-new-host");
        var second = await PlayerAsync(directory.Node, "dead-follower");
        var id = await FirstTookOverAsync(directory, "never-publishes", host, first, second);
        byte[] key = ConnectTokenIssuer.GenerateServerKey();

        directory.Time.Advance(TimeSpan.FromSeconds(6.5));   // within the grace (5 s) and the turn (2 s)
        var early = await Assert.ThrowsAsync<OnlineException>(() => second.Hosted.ClaimHostAsync(id, second.Id, key, first.Id, Cancel));
        Assert.Equal(OnlineError.Conflict, early.Error);
        directory.Time.Advance(TimeSpan.FromSeconds(1));     // the new host died before publishing: the follower takes over
        var taken = await second.Hosted.ClaimHostAsync(id, second.Id, key, first.Id, Cancel);
        Assert.Equal(second.Id, taken.Session.HostUserId);
        Assert.Equal([second.Id], taken.Session.Members.Select(m => m.UserId));
    }

    [Fact]
    public async Task A_claim_that_names_a_host_the_session_no_longer_has_is_refused_and_the_claimant_follows()
    {
        // Before: a claim said nothing of the host it took over from. A follower's claim past the lost host that reached the
        // directory after another successor took over (and published, then paused for 2 s) took the session from that new
        // host. Now the claim names the host it replaces, and the directory refuses it (409 host-changed) once the session has
        // another host, whatever that host's silence; a claim naming the current host is judged as before.
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(TransportHarness.Start), 1);
        var host = await PlayerAsync(directory.Node, "changed-lost-host");
        var first = await PlayerAsync(directory.Node, "changed-new-host");
        var second = await PlayerAsync(directory.Node, "changed-follower");
        var id = await FirstTookOverAsync(directory, "host-changed", host, first, second);
        Assert.True((await first.Hosted.HostHeartbeatAsync(id, first.Id, [Address], [second.Id], Cancel)).Live);
        directory.Time.Advance(TimeSpan.FromSeconds(2.5));   // the new host silent past the follower's turn
        byte[] key = ConnectTokenIssuer.GenerateServerKey();

        var stale = await Assert.ThrowsAsync<OnlineException>(() => second.Hosted.ClaimHostAsync(id, second.Id, key, host.Id, Cancel));
        Assert.Equal(OnlineError.Conflict, stale.Error);
        Assert.Equal(OnlineProblemTypes.HostChanged, stale.ProblemType);
        Assert.Equal(first.Id, (await second.Sessions.GetSessionAsync(id, Cancel))!.HostUserId);

        // The host the claimant saw never matters to a host claiming its own session again (its answer was lost).
        Assert.Equal(first.Id, (await first.Hosted.ClaimHostAsync(id, first.Id, key, host.Id, Cancel)).Session.HostUserId);
        directory.Time.Advance(TimeSpan.FromSeconds(2.5));
        Assert.Equal(second.Id, (await second.Hosted.ClaimHostAsync(id, second.Id, key, first.Id, Cancel)).Session.HostUserId);
    }

    [Fact]
    public async Task A_new_host_that_leaves_before_it_published_gives_the_session_back_and_the_next_successor_takes_it_over()
    {
        // Before: a successor whose claim the directory granted but who then left (its game quit while the answer was on its
        // way, or the answer was lost) was the recorded host, and a host's leave ended the session for everyone (Ended), the
        // players still migrating included. Now a host that never published its address since it was recorded gives the
        // session back when it leaves with a successor seated: the next successor takes it over at once.
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(TransportHarness.Start), 1);
        var host = await PlayerAsync(directory.Node, "leaving-lost-host");
        var first = await PlayerAsync(directory.Node, "leaving-new-host");
        var second = await PlayerAsync(directory.Node, "leaving-follower");
        var id = await FirstTookOverAsync(directory, "left-before-publishing", host, first, second);

        Assert.True(await first.Sessions.LeaveSessionAsync(id, first.Id, Cancel));
        var after = (await second.Sessions.GetSessionAsync(id, Cancel))!;
        Assert.Equal(SessionState.Live, after.State);
        Assert.False(after.IsMember(first.Id));
        var taken = await second.Hosted.ClaimHostAsync(id, second.Id, ConnectTokenIssuer.GenerateServerKey(), first.Id, Cancel);   // at once: no turn to wait out
        Assert.Equal(second.Id, taken.Session.HostUserId);
        Assert.Equal(SessionState.Live, taken.Session.State);

        // A host that published ends the session when it leaves, as before: its players were playing under it.
        Assert.True((await second.Hosted.HostHeartbeatAsync(id, second.Id, [Address], [], Cancel)).Live);
        Assert.True(await second.Sessions.LeaveSessionAsync(id, second.Id, Cancel));
        var ended = (await host.Sessions.GetSessionAsync(id, Cancel))!;
        Assert.Equal(SessionState.Ended, ended.State);
        Assert.Equal(SessionEndReason.Ended, ended.EndReason);
    }

    [Fact]
    public async Task A_new_host_that_leaves_before_it_published_with_no_successor_seated_ends_the_session()
    {
        await using var directory = await new THarness().StartAsync(new FakeTimeProvider(TransportHarness.Start), 1);
        var host = await PlayerAsync(directory.Node, "alone-lost-host");
        var first = await PlayerAsync(directory.Node, "alone-new-host");
        var second = await PlayerAsync(directory.Node, "alone-follower");
        var id = await FirstTookOverAsync(directory, "left-alone", host, first, second);

        Assert.True(await second.Sessions.LeaveSessionAsync(id, second.Id, Cancel));
        Assert.True(await first.Sessions.LeaveSessionAsync(id, first.Id, Cancel));
        var ended = (await host.Sessions.GetSessionAsync(id, Cancel))!;
        Assert.Equal(SessionState.Ended, ended.State);
        Assert.Equal(SessionEndReason.Ended, ended.EndReason);
    }
}

public sealed class SqliteHostTakeoverRaceTests : HostTakeoverRaceContract<SqliteDirectoryHarness>;
public sealed class PostgresHostTakeoverRaceTests : HostTakeoverRaceContract<PostgresDirectoryHarness>;
public sealed class HttpSqliteHostTakeoverRaceTests : HostTakeoverRaceContract<HttpSqliteDirectoryHarness>;
public sealed class HttpPostgresHostTakeoverRaceTests : HostTakeoverRaceContract<HttpPostgresDirectoryHarness>;
