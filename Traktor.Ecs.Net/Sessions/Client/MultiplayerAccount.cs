namespace Traktor.Ecs.Net;

/// <summary>Who a <see cref="Multiplayer"/> logs in as when it first needs to.</summary>
/// <param name="Username">The account's name.</param>
/// <param name="Password">Its password.</param>
/// <param name="RegisterIfMissing">True to register the account when the login is refused (a guest or a bot); false to fail.</param>
public sealed record MultiplayerAccount(string Username, string Password, bool RegisterIfMissing = false)
{
    /// <inheritdoc />
    public override string ToString() => $"MultiplayerAccount {{ Username = {Username} }}"; // never the password
}
