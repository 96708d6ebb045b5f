using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Peers;
using Traktor.Ecs.Net.Tests.Prediction;

namespace Traktor.Ecs.Net.Tests.Peers;

/// <summary>A host with more owned entities than a migration plan carries says so, and keeps the players' own entities in it.</summary>
public class MigrationPlanOwnersTests
{
    [Fact]
    public void Owners_beyond_the_plans_limit_are_logged_counted_and_the_players_entities_kept()
    {
        long dropped = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NetMetrics.MeterName && instrument.Name == "traktor.peers.plan.owners_dropped") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref dropped, value));
        listener.Start();
        var warnings = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var game = new MigrationGame(2, new LinkConditions(), seed: 5, new WarningLogger(warnings));
        var (host, peer) = (game.Peers[0], game.Peers[1]);
        Assert.True(game.TickUntil(() => peer.Peer.HeldPlan is { Owners.Count: 2 }, 60 * 10), game.Describe());
        var server = host.Peer.Host!.Server;
        var connection = default(ConnectionId);
        host.World.Query(new QueryDescription().WithAll<ShipBody, NetworkOwner>(), (ref NetworkOwner owner) =>
        {
            if (!server.IsLocal(owner.Connection)) connection = owner.Connection;
        });

        // The remote peer owns 16,400 more entities (network ids past any the host gave), then a new player entity, found
        // after all of them. Before, the plan took the first 16,384 found and nothing said the rest were left out: the new
        // player entity was not in it, so a successor would not have handed it back.
        const int Extra = MigrationPlan.MaxOwners + 16;
        for (int i = 0; i < Extra; i++) host.World.Create(new NetworkId(5_000_000u + (uint)i), new NetworkOwner(connection));
        var avatar = host.World.Create(new NetworkId(6_000_000u), new NetworkOwner(connection));
        server.SetPlayerEntity(connection, avatar);
        Assert.True(game.TickUntil(() => peer.Peer.HeldPlan is { Owners.Count: MigrationPlan.MaxOwners }, 60 * 10), game.Describe());

        var plan = peer.Peer.HeldPlan!;
        Assert.Contains((6_000_000u, peer.Peer.ClientId, true), plan.Owners);                         // the player's entity kept
        Assert.Contains(plan.Owners, o => o.ClientId == host.Peer.ClientId);                          // the host's ship kept
        Assert.Equal(plan.Owners.Count, plan.Owners.Select(o => o.NetId).Distinct().Count());
        int owned = Extra + 3; // the extra entities, the avatar, the two ships
        Assert.True(Interlocked.Read(ref dropped) >= owned - MigrationPlan.MaxOwners, $"counted {dropped}");
        Assert.Single(warnings, w => w.Contains($"{owned} entities have an owner", StringComparison.Ordinal));
        game.Tick(120); // more plans: one warning while it lasts
        Assert.Single(warnings, w => w.Contains("more than a migration plan carries", StringComparison.Ordinal));
    }

    private sealed class WarningLogger(System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning) lines.Enqueue(formatter(state, exception));
        }
    }
}
