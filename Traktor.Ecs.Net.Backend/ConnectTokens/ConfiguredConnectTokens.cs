using System.Net;
using Traktor.Ecs.Net.Backend.Configuration;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Security;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Backend.ConnectTokens;

/// <summary>
/// Builds the shipped backend's <see cref="IConnectTokenIssuer"/> from the <c>Online:ConnectTokens</c> section: the
/// transport's issuer with the game servers' key, for the listed addresses. This is the seam a session directory
/// replaces: a host (or a later service) that registers its own <see cref="IConnectTokenIssuer"/> wins over it.
/// </summary>
internal static class ConfiguredConnectTokens
{
    private const int MaxServerAddresses = 32;

    /// <summary>The issuer the section describes, or null when it is empty.</summary>
    /// <exception cref="BackendConfigurationException">The section is incomplete or malformed.</exception>
    public static IConnectTokenIssuer? Create(ConnectTokenOptions options, TimeProvider time)
    {
        if (!options.IsConfigured)
        {
            return null;
        }
        var problems = new List<string>();
        byte[]? key = BackendSecrets.DecodeKey(options.Key);
        if (key is null || key.Length != PacketCipher.KeySize)
        {
            problems.Add($"Online:ConnectTokens:Key must be base64 of the game servers' {PacketCipher.KeySize}-byte key.");
        }
        else if (KeyStrength.EstimatedBits<byte>(key) < KeyStrength.MinSigningKeyBits)
        {
            problems.Add("Online:ConnectTokens:Key does not look random (generate it with `openssl rand -base64 32`).");
        }
        var addresses = new List<IPEndPoint>();
        foreach (string text in options.ServerAddresses)
        {
            if (IPEndPoint.TryParse(text.Trim(), out var endpoint) && endpoint.Port != 0)
            {
                if (endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any))
                {
                    problems.Add($"Online:ConnectTokens:ServerAddresses: '{text}' is the unspecified address a game server binds to; "
                        + "list the address players reach it at.");
                }

                addresses.Add(endpoint);
            }
            else
            {
                problems.Add($"Online:ConnectTokens:ServerAddresses: '{text}' is not an address:port.");
            }
        }
        if (options.ServerAddresses.Count is 0 or > MaxServerAddresses)
        {
            problems.Add($"Online:ConnectTokens:ServerAddresses must list 1 to {MaxServerAddresses} game servers.");
        }
        if (problems.Count > 0)
        {
            throw new BackendConfigurationException("The online backend refuses to start: " + string.Join(" ", problems));
        }
        return new TransportConnectTokenIssuer(new ConnectTokenIssuer(key, options.ProtocolId, time), addresses);
    }
}
