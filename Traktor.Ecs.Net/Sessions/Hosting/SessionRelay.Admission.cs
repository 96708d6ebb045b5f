using Microsoft.Extensions.Logging;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Sessions;

// Admission: who the relay lets in (a ticket for this live session, issued after the player's last departure, and a free
// seat), and the bounded memory of departures and approvals that decides it.
public sealed partial class SessionRelay
{
    /// <summary>Connection approval: a live session, a ticket for it issued after the player's last departure, and a free slot.</summary>
    /// <param name="clientId">The token's client id (the player's user id).</param>
    /// <param name="userData">The token's user data (a <see cref="SessionTicket"/>).</param>
    /// <param name="address">The client's address.</param>
    /// <returns>True to admit.</returns>
    /// <remarks>
    /// The server asks it by itself (the relay added it), and denies a handshake after the session ended with
    /// <see cref="DisconnectReason.SessionEnded"/>, any other refusal with <see cref="DisconnectReason.Rejected"/>; a game that
    /// also passes it as <see cref="NetServerOptions.ApproveConnection"/> gets the same answer twice, the options' first (a
    /// bare no: <see cref="DisconnectReason.Rejected"/> even after the end). A disposed relay admits nobody.
    /// </remarks>
    public bool Approve(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address) => Refusal(clientId, userData, address) is null;

    /// <summary>
    /// <see cref="Approve"/> with the reason of a refusal, the one the server's Denied packet gives: an ended session
    /// refuses every handshake with <see cref="DisconnectReason.SessionEnded"/> (a valid ticket or not, as a player host
    /// whose session ended does) except one whose ticket names another session; anything else refused is
    /// <see cref="DisconnectReason.Rejected"/>. Null admits.
    /// </summary>
    internal DisconnectReason? Refusal(ulong clientId, ReadOnlySpan<byte> userData, NetAddress address)
    {
        if (disposed)
        {
            return DisconnectReason.Rejected;
        }

        Drain();
        bool readable = SessionTicket.TryRead(userData, out var ticket);
        if (readable && ticket.SessionId != Session)
        {
            // Another session's ticket: its session did not end (a server that hosts sessions one after another and left
            // the last one's relay undisposed would otherwise tell the next session's players theirs was over).
            return DisconnectReason.Rejected;
        }

        if (EndReason != SessionEndReason.None)
        {
            return DisconnectReason.SessionEnded; // a newcomer learns there is no session to join, not that its ticket is bad
        }

        if (!readable)
        {
            return DisconnectReason.Rejected;
        }

        if (departures.TryGetValue(clientId, out var departed) && ticket.IssuedAt <= departed.At)
        {
            logger.LogInformation("Refused player {Player} in session {Session}: its ticket predates its departure.", clientId, Session);
            return DisconnectReason.Rejected;
        }

        if (!present.Contains(clientId) && present.Count >= MaxPlayers)
        {
            return DisconnectReason.Rejected;
        }

        names[clientId] = ticket.PlayerName;
        var issued = admittedTickets.TryGetValue(clientId, out var admitted) && admitted.Issued > ticket.IssuedAt ? admitted.Issued : ticket.IssuedAt;
        admittedTickets[clientId] = (issued, time.GetUtcNow());
        return null;
    }

    /// <summary>
    /// When a player that left on purpose departs, for <see cref="Leave"/> on a host that learns of it from the connection
    /// rather than the directory (and when a player's reconnect grace expires): the issue time of the newest ticket it was
    /// admitted with, on the directory's clock, so only that ticket and older ones are void. Not the host's own clock: the directory may issue the player's next ticket
    /// before this host's tick notices the disconnect (a quick leave and rejoin was refused), and a player's PC that hosts
    /// may run ahead of the directory. <paramref name="now"/> when it was never admitted here.
    /// </summary>
    /// <param name="clientId">The player.</param>
    /// <param name="now">The host's clock, the fallback.</param>
    /// <returns>The departure time to record.</returns>
    internal DateTimeOffset DepartureOf(ulong clientId, DateTimeOffset now) =>
        admittedTickets.TryGetValue(clientId, out var admitted) ? admitted.Issued : now;

    private void RecordDeparture(ulong clientId, DateTimeOffset at)
    {
        if (!departures.TryGetValue(clientId, out var known) || known.At < at)
        {
            departures[clientId] = (at, time.GetUtcNow());
        }
    }

    private void ForgetOld()
    {
        if (departures.Count == 0 && admittedTickets.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        var horizon = now - DepartureMemory;
        scratch.Clear();
        foreach (var (clientId, departed) in departures)
        {
            if (departed.RecordedAt < horizon)
            {
                scratch.Add(clientId);
            }
        }

        foreach (ulong clientId in scratch)
        {
            departures.Remove(clientId);
        }

        // A player approved that never connected (the transport connects it in the same update, unless a later approval
        // refused it or its connection failed at once) is forgotten once its approval is older than the departure memory,
        // which outlives its token: approvals that never connect cannot grow the relay's memory without bound. Once a second.
        if (now < nextAdmissionSweep)
        {
            return;
        }

        nextAdmissionSweep = now + TimeSpan.FromSeconds(1);
        scratch.Clear();
        foreach (var (clientId, admitted) in admittedTickets)
        {
            if (admitted.ApprovedAt < horizon && !present.Contains(clientId))
            {
                scratch.Add(clientId);
            }
        }

        foreach (ulong clientId in scratch)
        {
            admittedTickets.Remove(clientId);
            names.Remove(clientId);
        }
    }
}
