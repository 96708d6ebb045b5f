using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>Client settings.</summary>
public sealed class NetClientOptions : NetPeerOptions
{
    /// <summary>
    /// How often handshake packets are repeated until the server answers; default 100 ms. Positive and at most half the
    /// shorter of <see cref="ChallengeTimeout"/> and <see cref="ConnectTimeout"/>, so every address is asked at least twice
    /// before it is given up: zero or less repeated them at every <c>Update</c> (a client updated in a busy loop sent
    /// thousands a second), and a longer one (up to <see cref="ConnectTimeout"/> was taken) sent an address one request,
    /// which one lost datagram left unanswered.
    /// </summary>
    public TimeSpan HandshakeResendInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long one server address is tried before the next one in the token; default 5 s. Positive and at most
    /// <see cref="ConnectTimeoutLimit"/>: zero or less gave up on every address at the first <c>Update</c>.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a server address may leave the connection request unanswered (no challenge, no denial) before the
    /// next address in the token is tried; the last address is tried for the whole <see cref="ConnectTimeout"/>.
    /// A token listing a UDP address and then a WebSocket one falls back to WebSocket after this long when UDP is
    /// blocked on the player's network. Default 2 s (about 20 request repeats). Positive and at most
    /// <see cref="ConnectTimeoutLimit"/>, as <see cref="ConnectTimeout"/>: zero or less skipped every address but the last at the first <c>Update</c>.
    /// </summary>
    public TimeSpan ChallengeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The copy a client keeps (then validates). Every member is a value except <see cref="NetPeerOptions.Capture"/>,
    /// which the client reads live from the caller's object instead (a capture is switched on and off while it runs), so
    /// a shallow copy is whole.
    /// </summary>
    internal NetClientOptions Snapshot() => (NetClientOptions)MemberwiseClone();

    /// <summary>
    /// The longest <see cref="ConnectTimeout"/> and <see cref="ChallengeTimeout"/>: one hour, the longest life the backend
    /// gives a connect token (<c>AuthenticationOptions.ConnectTokenLifetime</c>); an address tried longer than its token lives
    /// could not let the client in anyway.
    /// </summary>
    public static readonly TimeSpan ConnectTimeoutLimit = TimeSpan.FromHours(1);

    /// <summary>Checks the shared options and the client's own, naming the option that is out of range.</summary>
    internal void ValidateClient()
    {
        Validate();
        if (ConnectTimeout <= TimeSpan.Zero || ConnectTimeout > ConnectTimeoutLimit)
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "ConnectTimeout must be positive and at most 1 hour.");
        if (ChallengeTimeout <= TimeSpan.Zero || ChallengeTimeout > ConnectTimeoutLimit)
            throw new ArgumentOutOfRangeException(nameof(ChallengeTimeout), ChallengeTimeout, "ChallengeTimeout must be positive and at most 1 hour.");
        // Half the shorter timeout: an address given up after ChallengeTimeout (or the last after ConnectTimeout) was
        // asked at least twice, so one lost request does not lose it.
        var shorter = ChallengeTimeout < ConnectTimeout ? ChallengeTimeout : ConnectTimeout;
        if (HandshakeResendInterval <= TimeSpan.Zero || HandshakeResendInterval > shorter / 2)
            throw new ArgumentOutOfRangeException(nameof(HandshakeResendInterval), HandshakeResendInterval,
                "HandshakeResendInterval must be positive and at most half the shorter of ChallengeTimeout and ConnectTimeout.");
    }
}
