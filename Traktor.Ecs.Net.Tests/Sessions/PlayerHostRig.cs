using System.Numerics;
using Microsoft.Extensions.Logging.Abstractions;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A player host (its <see cref="NetworkHost"/>, without an RPC layer, so its <see cref="PlayerHostRelay"/> has no session
/// relay) and one remote player over the transport harness, ticked together on the harness's fake clock.
/// </summary>
internal sealed class PlayerHostRig : IDisposable
{
    private readonly Group<float> hostGroup;
    private readonly Group<float> playerGroup;

    public PlayerHostRig()
    {
        Harness = new TransportHarness();
        World = World.Create();
        Host = new NetworkHost(World, Harness.Server, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: 1);
        var session = new SessionInfo(SessionId.New(), "coop", 4, SessionVisibility.Public, new Dictionary<string, string>(), [], Harness.Time.GetUtcNow())
        {
            HostKind = SessionHostKind.Player,
        };
        Relay = new PlayerHostRelay(Host, session, Harness.Time, NullLogger.Instance);
        Relay.Announce(null);
        hostGroup = new Group<float>("host", Host);
        hostGroup.Initialize();
        PlayerWorld = World.Create();
        Player = new NetworkClient(PlayerWorld, Harness.AddClient(), ReplicationWorld.Registry, 60, Harness.Time) { KeepEntitiesOnDisconnect = true };
        playerGroup = new Group<float>("player", Player);
        playerGroup.Initialize();
    }

    public TransportHarness Harness { get; }

    public World World { get; }

    public NetworkHost Host { get; }

    public PlayerHostRelay Relay { get; }

    public World PlayerWorld { get; }

    public NetworkClient Player { get; }

    public void Tick(int n)
    {
        for (int i = 0; i < n; i++)
        {
            Harness.Time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            float dt = 1f / 60f;
            Harness.Wire.Settle();
            playerGroup.Tick(in dt);
            Harness.Wire.Settle();
            hostGroup.Tick(in dt);
        }
    }

    public List<Vector2> Shown()
    {
        var shown = new List<Vector2>();
        PlayerWorld.Query(new QueryDescription().WithAll<Position2>(), (ref Position2 p) => shown.Add(p.Value));
        return shown;
    }

    public void Dispose()
    {
        Relay.Dispose();
        PlayerWorld.Dispose();
        World.Dispose();
        Harness.Dispose();
    }
}
