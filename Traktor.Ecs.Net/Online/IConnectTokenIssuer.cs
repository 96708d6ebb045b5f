namespace Traktor.Ecs.Net.Online;

/// <summary>
/// Issues the token a player presents to a game server when it connects over the transport.
/// The authentication service calls it at login and refresh; the host supplies the implementation
/// (the transport's issuer, which shares its key with the game servers).
/// </summary>
public interface IConnectTokenIssuer
{
    /// <summary>Issues a connect token for a player.</summary>
    /// <param name="userId">The authenticated player.</param>
    /// <param name="userData">Opaque data the game server receives with the connection.</param>
    /// <param name="lifetime">How long the token stays valid.</param>
    /// <returns>The token bytes, opaque to the online services.</returns>
    byte[] IssueConnectToken(long userId, ReadOnlySpan<byte> userData, TimeSpan lifetime);
}
