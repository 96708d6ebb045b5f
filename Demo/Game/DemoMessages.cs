namespace Demo.Game;

/// <summary>
/// The demo's own client-to-server message (kinds 0x80–0x8F are free for games). Flight input travels
/// as the library's input commands; a shot is a discrete action, so it goes on a reliable channel: a lost
/// datagram must not become a lost trigger pull.
/// </summary>
public static class DemoMessages
{
    /// <summary>[0x81]: fire once (the server enforces the gun's cooldown).</summary>
    public const byte Fire = 0x81;
}
