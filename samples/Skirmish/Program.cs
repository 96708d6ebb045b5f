// A server and three players in one process, over loopback UDP through link simulators.
using var game = Skirmish.Game.Play(Console.Out);
