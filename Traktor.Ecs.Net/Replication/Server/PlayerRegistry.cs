using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Replication.Server;

/// <summary>
/// The server's connection ↔ player entity map (<see cref="NetworkServer.SetPlayerEntity"/>). Entries are
/// keyed by the client's identity (the connect token's client id), not by the connection: a reconnect gets
/// a new connection but the same identity, and finds its player again while that entity lives (kept by
/// the RPC layer's reconnect grace, or by the game). Entries of dead entities are dropped when their
/// client disconnects, so the map holds at most one entry per live player entity plus the connected clients.
/// A returning identity (a reconnect, or a connection replaced by a new handshake from the same address) gets every
/// entity its last connection owned, not only the player entity.
/// </summary>
internal sealed class PlayerRegistry(World world)
{
    private readonly Dictionary<ConnectionId, ulong> clientIds = new();
    private readonly Dictionary<ulong, Entity> players = new();
    private readonly Dictionary<ulong, ConnectionId> last = new();
    private readonly List<ulong> dead = new();
    private readonly List<Entity> moved = new();
    private readonly QueryDescription owned = new QueryDescription().WithAll<NetworkOwner>();
    private ConnectionId? restored;

    public void Set(ConnectionId connection, Entity entity)
    {
        if (!clientIds.TryGetValue(connection, out ulong clientId))
        {
            throw new InvalidOperationException($"{connection} is not connected: a player entity belongs to a connected client.");
        }

        if (!world.IsAlive(entity))
        {
            throw new ArgumentException($"{entity} is not alive in the server world.", nameof(entity));
        }

        players[clientId] = entity;
    }

    public bool TryGet(ConnectionId connection, out Entity entity)
    {
        if (clientIds.TryGetValue(connection, out ulong clientId)
            && players.TryGetValue(clientId, out entity)
            && world.IsAlive(entity))
        {
            return true;
        }

        entity = Entity.Null;
        return false;
    }

    /// <summary>The identity (connect token's client id) of a connected client.</summary>
    public bool TryGetClientId(ConnectionId connection, out ulong clientId) => clientIds.TryGetValue(connection, out clientId);

    /// <summary>Maps the connection to its identity; true when that identity's player entity still lives.</summary>
    public bool OnConnected(ConnectionId connection, ulong clientId)
    {
        clientIds[connection] = clientId;
        bool returned = last.Remove(clientId, out var previous); // taken whatever follows: no entry outlives its reconnect
        if (!players.TryGetValue(clientId, out var entity))
        {
            return false;
        }

        if (!world.IsAlive(entity))
        {
            players.Remove(clientId);
            return false;
        }

        // The reconnect grace rewrites the owner of every entity the player held (it runs after this, and finds them
        // rewritten already); a game that keeps players without the grace gets them handed to the new connection here:
        // the entities its last connection owned, and the player entity whatever it names.
        if (returned && previous != connection)
        {
            moved.Clear();
            foreach (ref var chunk in world.Query(in owned))
            {
                var owners = chunk.GetReadOnlySpan<NetworkOwner>();
                var entities = chunk.Entities;
                for (int i = 0; i < owners.Length; i++)
                {
                    if (owners[i].Connection == previous) moved.Add(entities[i]);
                }
            }

            foreach (var held in moved) world.Set(held, new NetworkOwner(connection));
            moved.Clear();
        }

        if (world.TryGet<NetworkOwner>(entity, out var owner) && owner.Connection != connection)
        {
            world.Set(entity, new NetworkOwner(connection));
        }

        return true;
    }

    /// <summary>The reconnect grace handed entities back to <paramref name="connection"/> (it returned).</summary>
    public void NoteRestored(ConnectionId connection) => restored = connection;

    /// <summary>True once after <see cref="NoteRestored"/> for this connection.</summary>
    public bool TakeRestored(ConnectionId connection)
    {
        bool was = restored == connection;
        restored = null;
        return was;
    }

    public void OnDisconnected(ConnectionId connection)
    {
        if (clientIds.Remove(connection, out ulong gone) && players.ContainsKey(gone))
        {
            last[gone] = connection; // what it owned goes to its next connection (OnConnected)
        }

        dead.Clear();
        foreach (var (clientId, entity) in players)
        {
            if (!world.IsAlive(entity))
            {
                dead.Add(clientId);
            }
        }

        foreach (ulong clientId in dead)
        {
            players.Remove(clientId);
            last.Remove(clientId);
        }
    }
}
