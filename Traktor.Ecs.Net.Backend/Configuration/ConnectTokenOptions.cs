namespace Traktor.Ecs.Net.Backend.Configuration;

/// <summary>
/// The <c>Online:ConnectTokens</c> section: when set, login and refresh hand out transport connect tokens for the
/// game servers listed here, sealed with the key they share. Leave it empty to hand out none (a host may still
/// register its own <see cref="Traktor.Ecs.Net.Online.IConnectTokenIssuer"/>, which wins over this section).
/// </summary>
public sealed class ConnectTokenOptions
{
    /// <summary>Base64 of the 32-byte key the game servers were started with (their <c>ConnectTokenIssuer</c> key).</summary>
    public string Key { get; set; } = "";

    /// <summary>The game's protocol id; a token for another protocol is refused by the servers.</summary>
    public ulong ProtocolId { get; set; }

    /// <summary>Where the game servers listen, as <c>address:port</c> (for example <c>203.0.113.5:40000</c> or <c>[2001:db8::5]:40000</c>); at most 32.</summary>
    public List<string> ServerAddresses { get; set; } = [];

    /// <summary>How long a connect token is accepted, in seconds (default 60).</summary>
    public int LifetimeSeconds { get; set; } = 60;

    /// <summary>Whether the section asks for connect tokens at all.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Key) || ServerAddresses.Count > 0;
}
