using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Peers.Nat;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// A player-hosted session played through a <see cref="NatScene"/>: the host's listen server (a <see cref="NetworkHost"/>
/// on the scene's server socket, behind one NAT) and a C# joiner (<see cref="Multiplayer"/> over a
/// <see cref="NetworkClient"/> whose socket is the joiner's <see cref="NatTraversal"/>, behind the other), ticked together
/// at 60 Hz on the scene's fake clock. Made by <see cref="DirectoryOnFakeClockTests.JoinBehindNatsAsync"/>; disposes the
/// worlds, the facade and the scene.
/// </summary>
internal sealed class NatJoinRig : IDisposable
{
    private readonly FakeTimeProvider time;
    private readonly Group<float> hostGroup;
    private readonly Group<float> joinerGroup;

    public NatJoinRig(NatScene scene, FakeTimeProvider time, long hostPlayer, OnlineServices services, string joiner, string password)
    {
        Scene = scene;
        this.time = time;
        Host = new NetworkHost(HostWorld, scene.Server, ReplicationWorld.Registry, new ServerReplicationOptions(), localClientId: (ulong)hostPlayer);
        Host.Server.ClientConnected += (_, clientId) => JoinedIds.Add(clientId);
        hostGroup = new Group<float>("host", Host);
        hostGroup.Initialize();
        var client = new NetworkClient(JoinerWorld, scene.Client, ReplicationWorld.Registry, 60, time);
        Multiplayer = new Multiplayer(client, services.Authentication, services.Sessions!, new MultiplayerAccount(joiner, password),
            new MultiplayerOptions { Traversal = scene.JoinerSide }, time);
        joinerGroup = new Group<float>("joiner", client, Multiplayer);
        joinerGroup.Initialize();
    }

    public NatScene Scene { get; }

    /// <summary>The host's world; its server is <see cref="Host"/>'s.</summary>
    public World HostWorld { get; } = World.Create();

    public NetworkHost Host { get; }

    /// <summary>The client ids the host admitted, in order.</summary>
    public List<ulong> JoinedIds { get; } = [];

    public World JoinerWorld { get; } = World.Create();

    public Multiplayer Multiplayer { get; }

    /// <summary>One 60 Hz tick of the clock, the introducer, the host's NAT traversal, the joiner and the host.</summary>
    public void Tick()
    {
        time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
        float dt = 1f / 60f;
        Scene.Introducer.Update();
        Scene.HostSide.Update();
        joinerGroup.Tick(in dt);
        hostGroup.Tick(in dt);
    }

    /// <summary>Ticks until <paramref name="done"/> holds, at most 30 s of the clock; the facade's directory calls run on the thread pool, so each tick waits a real moment.</summary>
    public async Task<bool> TickUntilAsync(Func<bool> done)
    {
        for (int i = 0; i < 60 * 30 && !done(); i++)
        {
            Tick();
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        return done();
    }

    public void Dispose()
    {
        Multiplayer.Dispose();
        JoinerWorld.Dispose();
        HostWorld.Dispose();
        Scene.Dispose();
    }
}
