using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Storage;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Peers.Nat;
using Traktor.Ecs.Net.Tests.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;
using Traktor.Ecs.Net.Tests.Transport;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// Tests of players joining through the session directory of online services on SQLite in a folder of their own, all on
/// one fake clock (the transport's, so NATs, timeouts and the directory's waits move together).
/// </summary>
public abstract class DirectoryOnFakeClockTests : IAsyncLifetime
{
    /// <summary>Every test account's password.</summary>
    protected const string Password = "correct horse battery";

    private readonly string folder = OnlineTestSettings.TempDirectory();

    /// <summary>The clock of the services, the transports and the NATs.</summary>
    protected FakeTimeProvider Time { get; } = new(TransportHarness.Start);

    /// <summary>The online services (accounts and the directory), open once the test starts.</summary>
    protected OnlineServices Services { get; private set; } = null!;

    /// <summary>The test's cancellation.</summary>
    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <inheritdoc />
    public async ValueTask InitializeAsync() =>
        Services = await OnlineServices.OpenAsync(new SqliteOnlineDatabase(Path.Combine(folder, "online.db"), SqliteDurability.Normal), SqliteDirectoryHarness.Options(Time));

    /// <summary>
    /// A player-hosted "coop" session of <paramref name="hostPlayer"/> whose host sits behind a NAT (port-restricted unless
    /// said), registered with the introducer and heartbeating its public address: what a joiner finds in the directory. The
    /// caller disposes the scene.
    /// </summary>
    private protected async Task<(PlayerHostGrant Grant, NatScene Scene)> HostBehindNatAsync(long hostPlayer,
        NatKind hostNat = NatKind.PortRestricted, NatKind joinerNat = NatKind.PortRestricted)
    {
        var grant = await Services.Sessions!.CreatePlayerHostedSessionAsync(new SessionOptions("coop", 4), hostPlayer, Cancel);
        var scene = new NatScene(hostNat, joinerNat, time: Time, hostKey: grant.SessionKey, protocolId: DirectoryTestSettings.ProtocolId);
        scene.HostSide.Host(grant.Rendezvous, grant.PunchKey);
        Assert.True(scene.RunUntil(() => !scene.HostSide.PublicAddress.IsNone), "the host registered with the introducer");
        Assert.True((await Services.Sessions.HostHeartbeatAsync(grant.Session.Id, hostPlayer, [scene.HostSide.PublicAddress.ToEndPoint()], [], Cancel)).Live);
        return (grant, scene);
    }

    /// <summary>
    /// <see cref="HostBehindNatAsync"/> with the host's game running (a listen server on the scene's server socket) and
    /// <paramref name="joiner"/>'s game behind the other NAT, its <see cref="Multiplayer"/> not joined yet. The caller
    /// disposes the rig.
    /// </summary>
    private protected async Task<(PlayerHostGrant Grant, NatJoinRig Rig)> JoinBehindNatsAsync(long hostPlayer, string joiner,
        NatKind hostNat = NatKind.PortRestricted, NatKind joinerNat = NatKind.PortRestricted)
    {
        var (grant, scene) = await HostBehindNatAsync(hostPlayer, hostNat, joinerNat);
        return (grant, new NatJoinRig(scene, Time, hostPlayer, Services, joiner, Password));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        OnlineTestSettings.DeleteDirectory(folder);
        GC.SuppressFinalize(this);
    }
}
