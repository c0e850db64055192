/** The nginx server block and systemd unit that `lattice generate-config --nginx --systemd` write. */

export interface NginxOptions {
  /** Host name of public_baseurl, which nginx serves and the TLS certificate names. */
  publicHost: string;
  serverName: string;
  /** Lattice's listen address, as `host:port`. */
  upstream: string;
  /** Largest request body, in bytes, so nginx does not refuse what Lattice accepts. */
  maxBodyBytes: number;
}

/**
 * Renders an nginx server block: HTTP redirected to HTTPS, TLS with Let's Encrypt paths, and the
 * paths Lattice serves proxied to it. `listen 443 ssl http2` is the form nginx 1.22 (Debian 12) reads.
 */
export function nginxServerBlock(options: NginxOptions): string {
  const proxy = `        proxy_pass http://${options.upstream};
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;`;
  const megabytes = Math.ceil(options.maxBodyBytes / (1024 * 1024));
  const wellKnownNote = options.serverName === options.publicHost ? '' : `
# User ids end in :${options.serverName}, so https://${options.serverName}/.well-known/matrix/client
# and /server must also answer. In the server block of ${options.serverName} add:
#    location /.well-known/matrix/ {
#        proxy_pass https://${options.publicHost};
#    }
`;
  return `# nginx site for Lattice, written by \`lattice generate-config --nginx\`.
# Install: copy to /etc/nginx/sites-available/lattice, link it into sites-enabled, then
# \`nginx -t && systemctl reload nginx\`. The certificate paths are those certbot creates.
${wellKnownNote}
server {
    listen 80;
    listen [::]:80;
    server_name ${options.publicHost};

    # certbot's HTTP-01 challenge, then everything else to HTTPS.
    location /.well-known/acme-challenge/ {
        root /var/www/html;
    }
    location / {
        return 301 https://$host$request_uri;
    }
}

server {
    listen 443 ssl http2;
    listen [::]:443 ssl http2;
    server_name ${options.publicHost};

    ssl_certificate /etc/letsencrypt/live/${options.publicHost}/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/${options.publicHost}/privkey.pem;
    ssl_protocols TLSv1.2 TLSv1.3;

    # Lattice accepts request bodies up to max_request_size.
    client_max_body_size ${megabytes}M;

    # The client-server API. /sync long-polls for up to several minutes.
    location /_matrix {
${proxy}
        proxy_read_timeout 600s;
        proxy_buffering off;
    }

    # SSO: the Nextcloud redirect, the callback and the confirmation pages.
    location /_synapse/client {
${proxy}
    }

    # Server discovery for clients and other servers.
    location /.well-known/matrix/ {
${proxy}
    }

    # The admin API stays reachable only from this machine (synadm, an SSH tunnel).
    location /_synapse/admin {
        allow 127.0.0.1;
        allow ::1;
        deny all;
${proxy}
    }

    # The web client, which Lattice serves when web_client.path is set.
    location / {
${proxy}
    }
}
`;
}

export interface SystemdOptions {
  /** The folder of the Lattice installation, containing bin/lattice.js. */
  installDir: string;
  configPath: string;
  /** Folders Lattice writes to: the database, signing key and media folders. */
  writablePaths: string[];
  user: string;
  nodePath: string;
}

/** Renders a systemd unit that runs Lattice as an unprivileged user with systemd's sandboxing options. */
export function systemdUnit(options: SystemdOptions): string {
  return `# systemd unit for Lattice, written by \`lattice generate-config --systemd\`.
# Install: copy to /etc/systemd/system/lattice.service, then
# \`systemctl daemon-reload && systemctl enable --now lattice\`.
[Unit]
Description=Lattice Matrix homeserver
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=${options.user}
Group=${options.user}
ExecStart=${options.nodePath} ${options.installDir}/bin/lattice.js start --config ${options.configPath}
WorkingDirectory=${options.installDir}
Environment=NODE_ENV=production
# SIGTERM lets requests in flight finish and closes the database before exiting.
KillSignal=SIGTERM
TimeoutStopSec=30
Restart=on-failure
RestartSec=5

# Sandboxing: the file system is read-only except the data folders below.
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${options.writablePaths.join(' ')}
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
CapabilityBoundingSet=
AmbientCapabilities=
UMask=0077
# MemoryDenyWriteExecute stays off: V8's JIT compiler needs writable and executable memory.

[Install]
WantedBy=multi-user.target
`;
}
