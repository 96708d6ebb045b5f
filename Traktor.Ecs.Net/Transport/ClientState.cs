using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>Where a <see cref="NetClient"/> is in its life.</summary>
public enum ClientState : byte
{
    /// <summary>Not connected and not trying.</summary>
    Disconnected = 0,
    /// <summary>Sending connection requests, waiting for a challenge.</summary>
    SendingRequest = 1,
    /// <summary>Answering the challenge, waiting for the first packet of the connection.</summary>
    SendingResponse = 2,
    /// <summary>Connected.</summary>
    Connected = 3,
}
