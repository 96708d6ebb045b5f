namespace Traktor.Ecs.Net.Sessions;

/// <summary>How a session directory issues connect tokens for the game servers it places sessions on.</summary>
public sealed record SessionTokenOptions
{
    /// <summary>The 32-byte key shared with the game servers (<see cref="NetServerOptions.PrivateKey"/>); never given to clients.</summary>
    public required byte[] ServerKey { get; init; }

    /// <summary>The game's protocol id (<see cref="NetPeerOptions.ProtocolId"/>).</summary>
    public required ulong ProtocolId { get; init; }

    /// <summary>
    /// How long a join's connect token can be used to connect. Default 30 seconds; 1 second to 1 hour
    /// (<see cref="NetClientOptions.ConnectTimeoutLimit"/>, the longest a client tries to connect).
    /// </summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Seconds of silence after which client and server drop the connection (carried in the token). Default 10; a fleet that
    /// wants players of a dead server to move on fast lowers it (the Demo's fleet uses 2). 1 to 86,400 (one day,
    /// <see cref="NetPeerOptions.TimeoutLimit"/>): the token's timeout is the connection's in secure mode.
    /// </summary>
    public int ConnectionTimeoutSeconds { get; init; } = 10;

    /// <summary>Checks the key size, the lifetime and the timeout.</summary>
    public void Validate()
    {
        if (ServerKey is not { Length: 32 })
        {
            throw new ArgumentException("The game servers' key has 32 bytes.", nameof(ServerKey));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(TokenLifetime, TimeSpan.FromSeconds(1), nameof(TokenLifetime));
        // A client tries to connect for at most an hour, and the docs call that the longest token the backend issues (review44).
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TokenLifetime, NetClientOptions.ConnectTimeoutLimit, nameof(TokenLifetime));
        ArgumentOutOfRangeException.ThrowIfLessThan(ConnectionTimeoutSeconds, 1, nameof(ConnectionTimeoutSeconds));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ConnectionTimeoutSeconds, (int)NetPeerOptions.TimeoutLimit.TotalSeconds, nameof(ConnectionTimeoutSeconds));
    }
}
