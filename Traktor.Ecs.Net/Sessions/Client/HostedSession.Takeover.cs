using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net;

/// <summary>
/// The part of a hosted session that follows a host migration: the successor's replica is served, each player's entities
/// wait for it (<see cref="TakeoverHandback"/>), and the players already in the session are adopted rather than announced
/// again (<see cref="PlayerHostRelay"/>).
/// </summary>
internal sealed partial class HostedSession
{
    /// <summary>What a player taking a session over after a host migration starts from.</summary>
    /// <param name="Tick">The replication tick to go on from.</param>
    /// <param name="NextNetworkId">The next network id to give (none below it is reused).</param>
    /// <param name="Pending">The entities of each player, handed back when it reaches the new host (the new host's own included).</param>
    /// <param name="Grace">How long they are kept for a player who has not reached the new host.</param>
    public sealed record Takeover(uint Tick, uint NextNetworkId, Dictionary<ulong, List<(Entity Entity, bool Player)>> Pending, TimeSpan Grace)
    {
        /// <summary>The players in the session as the successor heard them (ids and names), the lost host included.</summary>
        public IReadOnlyList<(ulong Id, string Name)> Players { get; init; } = [];

        /// <summary>The lost host, announced gone once this host serves.</summary>
        public ulong? LostHost { get; init; }
    }
}
