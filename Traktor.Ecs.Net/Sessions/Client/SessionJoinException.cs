using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>A <see cref="Multiplayer"/> join that did not end in a connected session: the directory said no, or the game server could not be reached.</summary>
public sealed class SessionJoinException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="status">The directory's answer (<see cref="SessionJoinStatus.Joined"/> when it was the connection that failed).</param>
    /// <param name="endReason">Why the session ended, when <paramref name="status"/> is <see cref="SessionJoinStatus.Ended"/>.</param>
    /// <param name="disconnect">Why the connection failed, when it did.</param>
    /// <param name="message">What happened.</param>
    public SessionJoinException(SessionJoinStatus status, SessionEndReason endReason, DisconnectReason? disconnect, string message)
        : base(message)
    {
        Status = status;
        EndReason = endReason;
        Disconnect = disconnect;
    }

    /// <summary>The directory's answer.</summary>
    public SessionJoinStatus Status { get; }

    /// <summary>Why the session ended, if it had.</summary>
    public SessionEndReason EndReason { get; }

    /// <summary>Why connecting to the game server failed, or null when the directory refused.</summary>
    public DisconnectReason? Disconnect { get; }
}
