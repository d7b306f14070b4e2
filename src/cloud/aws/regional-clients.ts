/** One SDK client per region, created on first use and kept for the life of the adapter. */
export class RegionalClients<C extends { destroy(): void }> {
  private readonly clients = new Map<string, C>();

  constructor(private readonly create: (region: string) => C) {}

  get(region: string): C {
    let client = this.clients.get(region);
    if (!client) {
      client = this.create(region);
      this.clients.set(region, client);
    }
    return client;
  }

  /** Closes the sockets of every client created so far. */
  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}
