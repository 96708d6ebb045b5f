using System.Net;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A host whose heartbeats stopped reaching the directory (a partition between it and the backend, while its game went
/// on) and whose session a successor took over learns it at its next heartbeat: <see cref="PlayerSessionHost.Replaced"/>,
/// and <see cref="PlayerSessionHost.Live"/> false. Before, the directory's refusal (Forbidden) counted as a failed heartbeat
/// and was tried again every interval: the replaced host went on serving a session that was not its own any more.
/// </summary>
public sealed class PlayerSessionHostTakeoverTests : DirectoryOnFakeClockTests
{
    [Fact]
    public async Task A_replaced_host_is_told_at_its_next_heartbeat_and_stops_being_live()
    {
        var sessions = Services.Sessions!;
        long host = (await Services.Authentication.RegisterAsync("first-host", Password, Cancel)).UserId;
        long heir = (await Services.Authentication.RegisterAsync("heir", Password, Cancel)).UserId;
        var grant = await sessions.CreatePlayerHostedSessionAsync(new SessionOptions("coop", 4), host, Cancel);
        var link = new Partition(sessions);
        await using var entry = PlayerSessionHost.Start(link, grant, host, time: Time);
        var address = IPEndPoint.Parse("203.0.113.9:4000");
        entry.Report([address], []);
        await BeatUntilAsync(entry, () => entry.Heartbeats >= 1);
        Assert.True((await sessions.JoinSessionAsync(grant.Session.Id, heir, Cancel)).Succeeded);
        entry.Report([address], [heir]);
        long before = entry.Heartbeats;
        await BeatUntilAsync(entry, () => entry.Heartbeats > before);   // the heir is the successor

        // The host's link to the directory breaks; its game goes on. The heir takes the session over.
        link.Cut = true;
        Time.Advance(TimeSpan.FromSeconds(5));
        await entry.BeatAsync();
        Assert.True(entry.Live);   // a heartbeat that did not arrive says nothing about the session
        var claimed = await sessions.ClaimHostAsync(grant.Session.Id, heir, ConnectTokenIssuer.GenerateServerKey(), Cancel);
        Assert.Equal(heir, claimed.Session.HostUserId);

        link.Cut = false;
        await BeatUntilAsync(entry, () => !entry.Live);
        Assert.True(entry.Replaced);
        long heartbeats = entry.Heartbeats;
        await entry.BeatAsync();
        Assert.Equal(heartbeats, entry.Heartbeats);   // it reports no more
    }

    private static async Task BeatUntilAsync(PlayerSessionHost entry, Func<bool> done)
    {
        for (int i = 0; i < 200 && !done(); i++)
        {
            await entry.BeatAsync();
            await Task.Delay(5, Cancel);
        }

        Assert.True(done(), $"heartbeats {entry.Heartbeats}, failures {entry.HeartbeatFailures}, live {entry.Live}");
    }

    /// <summary>The host's link to the directory: cut, every call fails as an unreachable backend's would.</summary>
    private sealed class Partition(IPlayerHostedSessions inner) : IPlayerHostedSessions
    {
        public volatile bool Cut;

        public Task<PlayerHostGrant> CreatePlayerHostedSessionAsync(SessionOptions options, long hostUserId, CancellationToken cancellationToken = default) =>
            Cut ? Unreachable<PlayerHostGrant>() : inner.CreatePlayerHostedSessionAsync(options, hostUserId, cancellationToken);

        public Task<PlayerHostHeartbeat> HostHeartbeatAsync(SessionId id, long hostUserId, IReadOnlyList<IPEndPoint> addresses, IReadOnlyList<long> connectedPlayers,
            CancellationToken cancellationToken = default) =>
            Cut ? Unreachable<PlayerHostHeartbeat>() : inner.HostHeartbeatAsync(id, hostUserId, addresses, connectedPlayers, cancellationToken);

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, CancellationToken cancellationToken = default) =>
            Cut ? Unreachable<PlayerHostGrant>() : inner.ClaimHostAsync(id, userId, hostKey, cancellationToken);

        public Task<PlayerHostGrant> ClaimHostAsync(SessionId id, long userId, byte[] hostKey, long expectedHostUserId, CancellationToken cancellationToken = default) =>
            Cut ? Unreachable<PlayerHostGrant>() : inner.ClaimHostAsync(id, userId, hostKey, expectedHostUserId, cancellationToken);

        public Task ReportHostLostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
            Cut ? Unreachable<bool>() : inner.ReportHostLostAsync(id, userId, cancellationToken);

        public Task<bool> ReleaseHostAsync(SessionId id, long userId, CancellationToken cancellationToken = default) =>
            Cut ? Unreachable<bool>() : inner.ReleaseHostAsync(id, userId, cancellationToken);

        private static Task<T> Unreachable<T>() => Task.FromException<T>(new HttpRequestException("the backend is unreachable"));
    }
}
