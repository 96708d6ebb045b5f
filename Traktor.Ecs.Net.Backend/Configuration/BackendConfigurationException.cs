namespace Traktor.Ecs.Net.Backend.Configuration;

/// <summary>
/// The backend cannot start with its configuration: a missing or weak secret, a bad value, a database it cannot
/// open or reach, an address it cannot listen on. The executable prints <see cref="Exception.Message"/> as one line
/// and exits with code 2; the message names the setting and never contains a secret.
/// </summary>
public sealed class BackendConfigurationException : Exception
{
    /// <summary>Creates the failure.</summary>
    /// <param name="message">One line naming the setting and what is wrong with it.</param>
    /// <param name="innerException">The underlying failure, if any (kept for logs, never printed by the executable).</param>
    public BackendConfigurationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
