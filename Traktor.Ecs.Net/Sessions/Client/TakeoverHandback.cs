using Microsoft.Extensions.Logging;

namespace Traktor.Ecs.Net;

/// <summary>
/// The new host of a migrated session hands every player its entities back, shared by <see cref="HostedSession"/> (a
/// <see cref="Multiplayer"/> that took the session over) and Lua's <c>multiplayer</c> (whose game's
/// <c>ScriptServices.StartHosting</c> started the <see cref="NetworkHost"/>): ticks and network ids go on from the old
/// host's, a player that reaches the host owns what it owned before (its player entity too, so the game spawns nothing for
/// it), and the entities of a player that did not come back within the grace are destroyed, like a departed player's.
/// </summary>
internal sealed class TakeoverHandback
{
    private readonly NetworkHost host;
    private readonly Dictionary<ulong, List<(Entity Entity, bool Player)>> pending;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly long startedAt;
    private readonly TimeSpan grace;
    private bool over;

    /// <summary>
    /// Attaches to <paramref name="host"/> before it ticks with its first player (the host's local player included), and
    /// before anything else listens for its connections: a returning player's entities are its own again when they hear it.
    /// </summary>
    /// <param name="host">The new host, serving the world the takeover prepared.</param>
    /// <param name="takeover">What it starts from (<see cref="ReplicaTakeover.Plan"/>).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Diagnostics.</param>
    public TakeoverHandback(NetworkHost host, HostedSession.Takeover takeover, TimeProvider time, ILogger logger)
    {
        this.host = host;
        this.time = time;
        this.logger = logger;
        pending = takeover.Pending;
        grace = takeover.Grace;
        startedAt = time.GetTimestamp();
        host.Server.Replication.Resume(takeover.Tick, takeover.NextNetworkId); // ticks and network ids go on from the old host's
        host.Server.ClientConnected += Restore;
    }

    /// <summary>True while some player's entities wait for it to reach the new host.</summary>
    public bool Waiting => pending.Count > 0;

    /// <summary>
    /// Once the grace is over, destroys the entities of the players that did not come back. On the tick thread.
    /// </summary>
    /// <returns>True in the one call in which the grace ended (the players still awaited then never came back).</returns>
    public bool Update()
    {
        if (over || time.GetElapsedTime(startedAt) < grace)
        {
            return false;
        }

        over = true;
        foreach (var (clientId, held) in pending)
        {
            foreach (var (entity, _) in held)
            {
                if (host.World.IsAlive(entity)) host.World.Destroy(entity);
            }

            logger.LogInformation("Player {Player} did not reach the new host; its {Count} entities were destroyed.", clientId, held.Count);
        }

        pending.Clear();
        return true;
    }

    /// <summary>A player reached this host after a migration: the entities it owned under the old host are its own again.</summary>
    private void Restore(ConnectionId connection, ulong clientId)
    {
        if (!pending.Remove(clientId, out var held))
        {
            return;
        }

        var world = host.World;
        foreach (var (entity, player) in held)
        {
            if (!world.IsAlive(entity)) continue;
            if (world.Has<NetworkOwner>(entity)) world.Set(entity, new NetworkOwner(connection));
            else world.Add(entity, new NetworkOwner(connection));
            if (player) host.Server.Players.Set(connection, entity);
        }

        host.Server.Players.NoteRestored(connection); // PlayerConnected says Reconnected: the game spawns nothing
    }
}
