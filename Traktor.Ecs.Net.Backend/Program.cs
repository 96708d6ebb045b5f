using Traktor.Ecs.Net;
using Traktor.Ecs.Net.Backend;
using Traktor.Ecs.Net.Backend.Configuration;

// Exit codes: 0 after a clean shutdown (or a passed --check-config), 2 for any configuration error (one line on stderr).
try
{
    if (args.Contains("--check-config"))
    {
        Console.WriteLine(await BackendHost.CheckConfigurationAsync([.. args.Where(arg => arg != "--check-config")]));
        return 0;
    }
    await using var app = await BackendHost.BuildAsync(args);
    await app.RunAsync();
    return 0;
}
catch (BackendConfigurationException exception)
{
    await Console.Error.WriteLineAsync(exception.Message);
    return 2;
}
catch (IOException exception) when (exception.Message.StartsWith("Failed to bind", StringComparison.Ordinal))
{
    // Kestrel could not listen on --urls (address in use, not a local address): a configuration error too.
    await Console.Error.WriteLineAsync("The online backend cannot listen: " + exception.Message);
    return 2;
}
