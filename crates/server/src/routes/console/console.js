// Class'Code Hub administration console (issue 9): the front end of GET /admin. One classic script without
// dependencies; it talks to the JSON admin API under /api/admin with the session cookie and the CSRF token.
//
// The shell gives <div id="console-app" data-csrf data-user data-source data-version> and the language in
// <html lang>. The Content-Security-Policy forbids inline scripts, inline handlers and eval, so the DOM is built
// with createElement, createElementNS and text nodes only: whatever the API answers is untrusted text.
//
// Selectors the browser test (tests/peers/browser/console.mjs) relies on; keep them stable:
//   #main[data-page=<page>][data-state=loading|ready|error]  the page; data-state is `ready` once its data shows
//   #page-title              the page's only h1, focused after each navigation
//   nav a[href="#/<page>"]   the menu; the active link has aria-current="page"
//   #console-alert           role=alert, what went wrong; #console-status, role=status, what was done
//   #lang-switch             the link to the other language; #logout, the sign-out button
//   #secret-panel            a secret shown once, with copy buttons
//   content:  #package-file, #package-import, #import-problems li,
//             #import-result[data-outcome=imported|unchanged|invalid] li[data-ref="<content id>@<version>"],
//             #content-list li[data-content-id] li[data-version]
//   badges:   #badge-search, #badge-list li[data-badge-id][data-standing], button.badge-revoke, #revoke-reason,
//             #revoke-confirm, button.badge-reissue
//   audit:    #audit-list li[data-action][data-target], #audit-older
//   charts:   figure.chart svg[role=img]
// Pages: #/status #/dashboard #/platforms #/lrs #/content #/badges #/research #/learners #/keys #/audit.
(function () {
  'use strict';

  const app = document.getElementById('console-app');
  if (!app) return;
  const CSRF = app.dataset.csrf || '';
  const LANG = /^en\b/i.test(document.documentElement.lang) ? 'en' : 'fr';
  const OTHER_LANG = LANG === 'en' ? 'fr' : 'en';
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // Every string the console shows: [French, English]. `{name}` takes t()'s values; `singular|plural` picks by
  // `count` (French treats 0 and 1 as singular).
  const TEXT = {
    console: ["Console d'administration", 'Administration console'],
    skip: ['Aller au contenu', 'Skip to content'],
    'nav.label': ['Sections de la console', 'Console sections'],
    account: ['Compte\u00a0:', 'Signed in as'],
    'source.oidc': ['OpenID Connect', 'OpenID Connect'],
    'source.local': ['compte local', 'local account'],
    'lang.switch': ['English', 'Français'],
    logout: ['Se déconnecter', 'Sign out'],
    loading: ['Chargement…', 'Loading…'],
    refresh: ['Actualiser', 'Refresh'],
    cancel: ['Annuler', 'Cancel'],
    copy: ['Copier', 'Copy'],
    'copy.named': ['Copier\u00a0: {name}', 'Copy: {name}'],
    copied: ['Copié dans le presse-papiers.', 'Copied to the clipboard.'],
    'copy.failed': ['La copie a échoué\u00a0: sélectionnez le texte et copiez-le à la main.',
      'Copying failed: select the text and copy it by hand.'],
    dismiss: ['Fermer le message', 'Dismiss the message'],
    'page.failed': ["Cette page n'a pas pu être chargée.", 'This page could not be loaded.'],
    retry: ['Réessayer', 'Try again'],
    empty: ['Pas encore de données.', 'No data yet.'],

    'nav.status': ['État', 'Status'],
    'nav.dashboard': ['Tableau de bord', 'Dashboard'],
    'nav.platforms': ['Plateformes LTI', 'LTI platforms'],
    'nav.lrs': ['LRS', 'LRS'],
    'nav.content': ['Contenus', 'Content'],
    'nav.badges': ['Badges', 'Badges'],
    'nav.research': ['Recherche', 'Research'],
    'nav.learners': ['Apprenants', 'Learners'],
    'nav.keys': ['Clés', 'Keys'],
    'nav.audit': ['Journal', 'Audit log'],
    'page.status': ['État du hub', 'Hub status'],
    'page.dashboard': ['Tableau de bord', 'Dashboard'],
    'page.platforms': ['Plateformes LTI', 'LTI platforms'],
    'page.lrs': ['LRS\u00a0: locataires et identifiants', 'LRS: tenants and credentials'],
    'page.content': ['Contenus', 'Content'],
    'page.badges': ['Certifications et badges', 'Certifications and badges'],
    'page.research': ['Recherche', 'Research'],
    'page.learners': ['Apprenants (RGPD)', 'Learners (GDPR)'],
    'page.keys': ['Clés de signature', 'Signing keys'],
    'page.audit': ['Journal des actions', 'Audit log'],

    'error.network': ['Le hub ne répond pas. Vérifiez la connexion, puis réessayez.',
      'The hub does not answer. Check the connection, then try again.'],
    'error.server': ['Le hub a rencontré une erreur (HTTP {status})\u00a0; son journal en donne le détail.',
      'The hub met an error (HTTP {status}); its log has the details.'],
    'error.refused': ['La demande a été refusée (HTTP {status})\u00a0:', 'The request was refused (HTTP {status}):'],
    'error.unexpected': ["Une erreur inattendue s'est produite dans la console.",
      'Something unexpected went wrong in the console.'],

    'chart.count': ['Nombre', 'Count'],
    'chart.first': ['Les {shown} premiers sur {total}.', 'The first {shown} of {total}.'],
    'chart.andMore': ['et {count} autres', 'and {count} more'],
    'chart.row': ['{label}\u00a0: {values}', '{label}: {values}'],
    'chart.separator': ['\u00a0; ', '; '],
    'chart.max': ['max. {value}', 'max {value}'],
    'chart.period': ['du {first} au {last}', 'from {first} to {last}'],
    'chart.series': ['{name}\u00a0: {total} au total, au plus {max} le {day}',
      '{name}: {total} in all, at most {max} on {day}'],
    'chart.seriesNone': ['{name}\u00a0: aucun', '{name}: none'],
    'chart.nothing': ['{title}\u00a0: rien sur cette période.', '{title}: nothing in this period.'],

    'duration.dh': ['{d}\u00a0j {h}\u00a0h', '{d}\u00a0d {h}\u00a0h'],
    'duration.hm': ['{h}\u00a0h {m}\u00a0min', '{h}\u00a0h {m}\u00a0min'],
    'duration.m': ['{m}\u00a0min', '{m}\u00a0min'],
    'duration.s': ['{s}\u00a0s', '{s}\u00a0s'],

    'status.service': ['Service', 'Service'],
    'status.version': ['Version', 'Version'],
    'status.uptime': ['En service depuis', 'Up for'],
    'status.database': ['Base de données', 'Database'],
    'status.ready': ['prête', 'ready'],
    'status.notReady': ['pas prête', 'not ready'],
    'status.migrations': ['Migrations', 'Migrations'],
    'status.upToDate': ['à jour', 'up to date'],
    'status.pendingMigrations': ['{count} en attente|{count} en attente', '{count} pending|{count} pending'],
    'status.migrationList': ['Migrations en attente', 'Pending migrations'],
    'status.pool': ['Connexions à la base', 'Database connections'],
    'status.poolValue': ['{size} ouvertes, dont {idle} libres', '{size} open, {idle} idle'],
    'status.outbox': ['Envois aux plateformes', 'Calls to platforms'],
    'status.outboxHint': ['Les notes que le hub transmet aux LMS passent par une file d’envoi.',
      'The grades the hub sends to the LMSs go through an outbox.'],
    'status.pending': ['En attente', 'Pending'],
    'status.failed': ['En échec', 'Failed'],
    'status.oldest': ['Plus ancien envoi en attente', 'Oldest pending call'],
    'status.oldestNone': ['aucun', 'none'],
    'status.oldestAge': ['depuis {age}', 'waiting for {age}'],
    'status.outboxChart': ["File d'envoi\u00a0: en attente et en échec", 'Outbox: pending and failed'],
    'status.counts': ['Volumes', 'Totals'],
    'status.tenants': ['Locataires', 'Tenants'],
    'status.platforms': ['Plateformes LTI', 'LTI platforms'],
    'status.statements': ['Déclarations xAPI', 'xAPI statements'],
    'status.certifications': ['Certifications', 'Certifications'],
    'status.badgesIssued': ['Badges délivrés', 'Badges issued'],
    'status.badgesRevoked': ['Badges révoqués', 'Badges revoked'],
    'status.badgesChart': ['Badges délivrés et révoqués', 'Badges issued and revoked'],
    'status.issued': ['Délivrés', 'Issued'],
    'status.revoked': ['Révoqués', 'Revoked'],
    'status.metrics': ['Métriques', 'Metrics'],
    'status.noMetrics': ['Aucune métrique publiée.', 'No metrics published.'],
    'status.httpChart': ['Requêtes HTTP depuis le démarrage', 'HTTP requests since start'],
    'metric.http_requests': ['Requêtes HTTP', 'HTTP requests'],
    'metric.http_4xx': ['Réponses 4xx (erreurs du client)', '4xx answers (client errors)'],
    'metric.http_5xx': ['Réponses 5xx (erreurs du hub)', '5xx answers (hub errors)'],
    'metric.http_in_flight': ['Requêtes en cours', 'Requests in flight'],
    'metric.http_mean_latency_ms': ['Durée moyenne d’une requête (ms)', 'Mean request time (ms)'],
    'metric.db_pool_connections': ['Connexions ouvertes à la base', 'Open database connections'],
    'metric.db_pool_idle_connections': ['Connexions libres', 'Idle connections'],

    'dashboard.period': ['Période', 'Period'],
    'dashboard.since': ['Du', 'From'],
    'dashboard.until': ['Au', 'To'],
    'dashboard.tenant': ['Locataire', 'Tenant'],
    'dashboard.allTenants': ['Tous les locataires', 'All tenants'],
    'dashboard.show': ['Afficher', 'Show'],
    'dashboard.updated': ['Tableau de bord mis à jour.', 'Dashboard updated.'],
    'dashboard.refresh': ['Compter maintenant', 'Count now'],
    'dashboard.refreshHint': ['Les chiffres sont agrégés toutes les 5 secondes\u00a0; ce bouton lance un passage tout de suite.',
      'Figures are aggregated every 5 seconds; this button runs a pass now.'],
    'dashboard.refreshed': ['Agrégation faite\u00a0: {count} déclaration comptée.|Agrégation faite\u00a0: {count} déclarations comptées.',
      'Aggregation done: {count} statement counted.|Aggregation done: {count} statements counted.'],
    'dashboard.totals': ['Du {since} au {until}', 'From {since} to {until}'],
    'dashboard.statements': ['Déclarations', 'Statements'],
    'dashboard.launches': ['Lancements', 'Launches'],
    'dashboard.learners': ['Apprenants actifs', 'Active learners'],
    'dashboard.certifications': ['Certifications', 'Certifications'],
    'dashboard.lrs': ['LRS', 'LRS'],
    'dashboard.lrsReady': ['prêt', 'ready'],
    'dashboard.lrsNotReady': ['pas prêt', 'not ready'],
    'dashboard.lag': ['Déclarations pas encore comptées', 'Statements not yet counted'],
    'dashboard.perDay': ['Jour par jour', 'Day by day'],
    'dashboard.statementsPerDay': ['Déclarations xAPI par jour', 'xAPI statements per day'],
    'dashboard.launchesPerDay': ['Lancements par jour', 'Launches per day'],
    'dashboard.learnersPerDay': ['Apprenants actifs par jour', 'Active learners per day'],
    'dashboard.byModule': ['Par module et par locataire', 'By module and by tenant'],
    'dashboard.completionsByModule': ['Achèvements par module', 'Completions per module'],
    'dashboard.certificationsByModule': ['Certifications par module', 'Certifications per module'],
    'dashboard.certificationsByTenant': ['Certifications par locataire', 'Certifications per tenant'],

    'platforms.registration': ['Inscription dynamique', 'Dynamic registration'],
    'platforms.registrationHint': ["Dans l'administration du LMS (Moodle, Canvas…), ajoutez un outil LTI 1.3 par inscription dynamique et collez-y cette URL. La plateforme apparaît ensuite dans la liste ci-dessous.",
      'In the LMS administration (Moodle, Canvas…), add an LTI 1.3 tool by dynamic registration and paste this URL. The platform then shows in the list below.'],
    'platforms.registrationUrl': ["URL d'inscription dynamique", 'Dynamic registration URL'],
    'platforms.registrationUrlHint': ["Elle porte l'invitation du hub\u00a0: ne la publiez pas.",
      "It carries the hub's invitation: do not publish it."],
    'platforms.manualUrls': ["URL de l'outil pour une configuration manuelle", 'Tool URLs for a manual configuration'],
    'platforms.loginUrl': ['URL de connexion (OIDC login initiation)', 'Login URL (OIDC login initiation)'],
    'platforms.launchUrl': ['URL de lancement (redirection)', 'Launch (redirect) URL'],
    'platforms.jwksUrl': ['URL du jeu de clés publiques (JWKS)', 'Public keyset URL (JWKS)'],
    'platforms.deepLinkingUrl': ['URL de sélection de contenu (Deep Linking)', 'Deep linking URL'],
    'platforms.list': ['Plateformes enregistrées ({count})', 'Registered platforms ({count})'],
    'platforms.none': ["Aucune plateforme n'est enregistrée.", 'No platform is registered.'],
    'platforms.enabled': ['Active\u00a0: les lancements sont acceptés.', 'Enabled: launches are accepted.'],
    'platforms.disabledSince': ['Désactivée depuis le {date}\u00a0: les lancements sont refusés.',
      'Disabled since {date}: launches are refused.'],
    'platforms.clientId': ['Identifiant client (client_id)', 'Client id (client_id)'],
    'platforms.tenant': ['Locataire', 'Tenant'],
    'platforms.product': ['Produit', 'Product'],
    'platforms.created': ['Enregistrée le', 'Registered on'],
    'platforms.deployments': ['Déploiements', 'Deployments'],
    'platforms.noDeployment': ['aucun', 'none'],
    'platforms.endpoints': ['URL de la plateforme', "The platform's URLs"],
    'platforms.authUrl': ["URL d'autorisation OIDC", 'OIDC authorization URL'],
    'platforms.tokenUrl': ['URL de jeton OAuth 2', 'OAuth 2 token URL'],
    'platforms.platformJwks': ['URL du jeu de clés de la plateforme', "The platform's keyset URL"],
    'platforms.disable': ['Désactiver', 'Disable'],
    'platforms.enable': ['Réactiver', 'Enable'],
    'platforms.disableConfirm': ["Les lancements depuis {issuer} seront refusés jusqu'à sa réactivation.",
      'Launches from {issuer} will be refused until it is enabled again.'],
    'platforms.disabledDone': ['Plateforme désactivée.', 'Platform disabled.'],
    'platforms.enabledDone': ['Plateforme réactivée.', 'Platform enabled.'],
    'platforms.newDeployment': ['Nouvel identifiant de déploiement (deployment_id)', 'New deployment id (deployment_id)'],
    'platforms.addDeployment': ['Ajouter le déploiement', 'Add the deployment'],
    'platforms.deploymentAdded': ['Déploiement ajouté.', 'Deployment added.'],
    'platforms.add': ['Enregistrer une plateforme à la main', 'Register a platform by hand'],
    'platforms.addHint': ["Les valeurs viennent de la page de configuration de l'outil dans le LMS. Préférez l'inscription dynamique quand le LMS la propose.",
      "The values come from the LMS's tool configuration page. Prefer dynamic registration when the LMS offers it."],
    'platforms.newTenant': ["Un nouveau locataire, nommé d'après l'émetteur", 'A new tenant, named after the issuer'],
    'platforms.issuer': ['Émetteur (issuer)', 'Issuer'],
    'platforms.urlHint': ['Une URL https (http seulement sur localhost).', 'An https URL (http on localhost only).'],
    'platforms.issuerHint': ['Par exemple https://moodle.example.org', 'For example https://moodle.example.org'],
    'platforms.deploymentIds': ['Identifiants de déploiement (facultatif)', 'Deployment ids (optional)'],
    'platforms.deploymentIdsHint': ['Un par ligne.', 'One per line.'],
    'platforms.save': ['Enregistrer la plateforme', 'Register the platform'],
    'platforms.saved': ['Plateforme {issuer} enregistrée.', 'Platform {issuer} registered.'],

    'lrs.tenants': ['Locataires ({count})', 'Tenants ({count})'],
    'lrs.tenantsHint': ['Chaque locataire est un entrepôt de traces isolé\u00a0: un établissement, une académie ou un LMS.',
      'Each tenant is an isolated store: a school, an education authority or an LMS.'],
    'lrs.noTenants': ["Aucun locataire pour l'instant.", 'No tenant yet.'],
    'lrs.tenantDisabled': ['désactivé', 'disabled'],
    'lrs.createdOn': ['créé le {date}', 'created on {date}'],
    'lrs.newTenant': ['Créer un locataire', 'Create a tenant'],
    'lrs.tenantName': ['Nom court', 'Short name'],
    'lrs.tenantNameHint': ["Lettres minuscules, chiffres et tirets à l'intérieur, par exemple ac-lyon\u00a0; les commandes et les URL s'en servent.",
      'Lower-case letters, digits and inner hyphens, e.g. ac-lyon; commands and URLs use it.'],
    'lrs.displayName': ['Nom affiché', 'Display name'],
    'lrs.displayNameHint': ['Par exemple Académie de Lyon.', 'For example Académie de Lyon.'],
    'lrs.createTenant': ['Créer le locataire', 'Create the tenant'],
    'lrs.tenantCreated': ['Locataire {name} créé.', 'Tenant {name} created.'],
    'lrs.credentials': ['Identifiants LRS', 'LRS credentials'],
    'lrs.credentialsHint': ['Un outil auteur ou un tableau de bord accède au LRS par HTTP Basic avec une clé et un secret, limités à un locataire et à des droits.',
      'An authoring tool or a dashboard reaches the LRS over HTTP Basic with a key and a secret, bound to one tenant and to scopes.'],
    'lrs.endpoint': ["Point d'accès xAPI", 'xAPI endpoint'],
    'lrs.tenant': ['Locataire', 'Tenant'],
    'lrs.noTenant': ["Créez d'abord un locataire.", 'Create a tenant first.'],
    'lrs.active': ['Identifiants actifs ({count})', 'Active credentials ({count})'],
    'lrs.none': ['Aucun identifiant actif.', 'No active credential.'],
    'lrs.revokedList': ['Identifiants révoqués ({count})', 'Revoked credentials ({count})'],
    'lrs.key': ['Clé', 'Key'],
    'lrs.scopes': ['Droits', 'Scopes'],
    'lrs.created': ['Créé le', 'Created on'],
    'lrs.revokedOn': ['Révoqué le', 'Revoked on'],
    'lrs.revoke': ['Révoquer', 'Revoke'],
    'lrs.revokeConfirm': ['La clé {key} cessera de fonctionner tout de suite sur ce nœud, et sous 30 secondes sur les autres.',
      'Key {key} stops working at once on this node, and within 30 seconds on the others.'],
    'lrs.revoked': ['Identifiant {key} révoqué.', 'Credential {key} revoked.'],
    'lrs.newCredential': ['Créer un identifiant', 'Create a credential'],
    'lrs.credentialName': ['Libellé', 'Label'],
    'lrs.credentialNameHint': ["Par exemple le nom de l'outil auteur ou de l'équipe.", "For example the authoring tool's or the team's name."],
    'lrs.scopesLegend': ['Droits accordés', 'Scopes granted'],
    'lrs.noScope': ['Cochez au moins un droit.', 'Tick at least one scope.'],
    'lrs.create': ["Créer l'identifiant", 'Create the credential'],
    'lrs.createdSecret': ['Identifiant créé\u00a0: copiez son secret maintenant.', 'Credential created: copy its secret now.'],
    'lrs.secretTitle': ['Nouvel identifiant LRS\u00a0: {name}', 'New LRS credential: {name}'],
    'scope.statements/write': ['écrire des déclarations', 'write statements'],
    'scope.statements/read': ['lire toutes les déclarations', 'read all statements'],
    'scope.statements/read/mine': ['lire les déclarations de cet identifiant', "read this credential's statements"],
    'scope.all/read': ['tout lire', 'read everything'],
    'scope.all': ['tout lire et tout écrire', 'read and write everything'],
    'scope.state': ["documents d'état", 'state documents'],
    'scope.define': ['définir des activités', 'define activities'],
    'scope.profile': ['documents de profil', 'profile documents'],

    'secret.once': ["Ce secret ne sera plus jamais affiché\u00a0: copiez-le maintenant et gardez-le en lieu sûr. S'il est perdu, créez un autre identifiant et révoquez celui-ci.",
      'This secret will not be shown again: copy it now and keep it safe. If it is lost, create another credential and revoke this one.'],
    'secret.key': ['Clé', 'Key'],
    'secret.secret': ['Secret', 'Secret'],
    'secret.done': ["J'ai copié le secret", 'I have copied the secret'],

    'content.importTitle': ['Importer un paquet', 'Import a package'],
    'content.file': ["Paquet (archive .zip d'un module ou d'un cours cmi5)", 'Package (.zip of a module or of a cmi5 course)'],
    'content.fileHint': ["Le paquet est vérifié en entier\u00a0: au moindre problème, rien n'est importé et la liste des problèmes s'affiche.",
      'The whole package is checked: if anything is wrong, nothing is imported and the problems are listed.'],
    'content.import': ['Importer', 'Import'],
    'content.problems': ["{count} problème trouvé\u00a0: rien n'a été importé|{count} problèmes trouvés\u00a0: rien n'a été importé",
      '{count} problem found: nothing was imported|{count} problems found: nothing was imported'],
    'content.report': ["Résultat de l'import", 'Import result'],
    'content.importedList': ['Versions importées\u00a0:', 'Versions imported:'],
    'content.unchangedList': ['Déjà enregistrées à l’identique, donc inchangées\u00a0:', 'Already stored as they are, so unchanged:'],
    'content.imported': ['Paquet importé.', 'Package imported.'],
    'content.unchanged': ["Ce paquet était déjà importé\u00a0: rien n'a changé.", 'This package was already imported: nothing changed.'],
    'content.stored': ['Contenus enregistrés ({count})', 'Stored content ({count})'],
    'content.none': ["Aucun contenu n'est enregistré.", 'No content is stored.'],
    'content.versions': ['{count} version|{count} versions', '{count} version|{count} versions'],
    'content.version': ['Version {version}', 'Version {version}'],
    'content.importedAt': ['importée le', 'imported on'],
    'content.digest': ['empreinte', 'digest'],
    'content.rule': ['Règle de certification\u00a0:', 'Certification rule:'],
    'content.noRule': ['pas de règle de certification dans le paquet', 'no certification rule in the package'],
    'rule.allRequired': ['toutes les activités obligatoires', 'every required activity'],
    'rule.allSteps': ['toutes les étapes', 'every step'],
    'rule.quiz': ['le quiz «\u00a0{quiz}\u00a0»', 'the quiz “{quiz}”'],
    'rule.minScore': ['score d’au moins {score}\u00a0%', 'a score of at least {score}%'],
    'kind.module': ['Module', 'Module'],
    'kind.parcours': ['Parcours', 'Learning path'],
    'kind.cmi5': ['Cours cmi5', 'cmi5 course'],

    'badges.overview': ["Vue d'ensemble", 'Overview'],
    'badges.total': ['Badges délivrés', 'Badges issued'],
    'badges.valid': ['Valides', 'Valid'],
    'badges.revokedCount': ['Révoqués', 'Revoked'],
    'badges.expired': ['Expirés', 'Expired'],
    'badges.certified': ['Certifications en vigueur', 'Standing certifications'],
    'badges.certRevoked': ['Certifications révoquées', 'Revoked certifications'],
    'badges.byModuleChart': ['Badges par module', 'Badges per module'],
    'badges.perDayChart': ['Badges par jour (30 derniers jours)', 'Badges per day (last 30 days)'],
    'badges.seriesIssued': ['délivrés', 'issued'],
    'badges.seriesRevoked': ['révoqués', 'revoked'],
    'badges.certChart': ['Certifications par module', 'Certifications per module'],
    'badges.seriesCertified': ['en vigueur', 'standing'],
    'badges.seriesCertRevoked': ['révoquées', 'revoked'],
    'badges.latestCerts': ['Dernières certifications', 'Latest certifications'],
    'badges.certLine': ['{content}, version {version}\u00a0: {status}', '{content}, version {version}: {status}'],
    'badges.score': ['score {score}\u00a0%', 'score {score}%'],
    'cert.certified': ['certifiée', 'certified'],
    'cert.revoked': ['révoquée', 'revoked'],
    'badges.list': ['Badges', 'Badges'],
    'badges.search': ['Rechercher des badges', 'Search badges'],
    'badges.query': ['Rechercher (nom, module ou identifiant)', 'Search (name, module or id)'],
    'badges.standing': ['État', 'Standing'],
    'badges.anyStanding': ['Tous', 'Any'],
    'badges.allTenants': ['Tous les locataires', 'All tenants'],
    'badges.count': ['{count} badge sur {total}|{count} badges sur {total}', '{count} badge of {total}|{count} badges of {total}'],
    'badges.noneFound': ['Aucun badge ne correspond.', 'No badge matches.'],
    'badges.more': ['Afficher plus ({count} restant)|Afficher plus ({count} restants)', 'Show more ({count} left)|Show more ({count} left)'],
    'standing.valid': ['Valide', 'Valid'],
    'standing.expired': ['Expiré', 'Expired'],
    'standing.revoked': ['Révoqué le {date}', 'Revoked on {date}'],
    'standing.revokedUnknown': ['Révoqué', 'Revoked'],
    'badges.reason': ['Motif\u00a0:', 'Reason:'],
    'badges.module': ['Module', 'Module'],
    'badges.tenant': ['Locataire', 'Tenant'],
    'badges.issuedAt': ['Délivré le', 'Issued on'],
    'badges.validUntil': ["Valable jusqu'au", 'Valid until'],
    'badges.noEnd': ['sans limite', 'no end'],
    'badges.id': ['Identifiant', 'Id'],
    'badges.kid': ['Clé de signature', 'Signing key'],
    'badges.verify': ['Page de vérification', 'Verification page'],
    'badges.ob3': ['Justificatif Open Badges 3.0', 'Open Badges 3.0 credential'],
    'badges.revoke': ['Révoquer', 'Revoke'],
    'badges.revokeTitle': ['Révoquer le badge «\u00a0{name}\u00a0»', 'Revoke the badge “{name}”'],
    'badges.reasonLabel': ['Motif de la révocation', 'Reason for revoking'],
    'badges.reasonRequired': ['Indiquez le motif de la révocation.', 'Give the reason for revoking.'],
    'badges.reasonHint': ["L'apprenant et les vérificateurs le liront (500 caractères au plus).",
      'The learner and verifiers will read it (500 characters at most).'],
    'badges.revokeConfirm': ['Confirmer la révocation', 'Confirm the revocation'],
    'badges.revoked': ['Badge révoqué.', 'Badge revoked.'],
    'badges.reissue': ['Réémettre', 'Re-issue'],
    'badges.reissueConfirm': ['Un nouveau badge, signé avec la clé en service, remplacera celui-ci, qui sera révoqué comme remplacé.',
      'A new badge, signed with the current key, will replace this one, which will be revoked as superseded.'],
    'badges.reissued': ['Badge réémis\u00a0: nouvel identifiant {id}.', 'Badge re-issued: new id {id}.'],
    'badges.unnamed': ['Badge {content}', 'Badge {content}'],

    'research.noExports': ["Pas encore d'export pour cette étude.", 'No export of this study yet.'],
    'research.pastExports': ['Exports précédents ({count})', 'Earlier exports ({count})'],
    'research.pastExportCounts': ['{count} déclaration exportée, {files} fichier(s)|{count} déclarations exportées, {files} fichier(s)',
      '{count} statement exported, {files} file(s)|{count} statements exported, {files} file(s)'],
    'research.studies': ['Études déclarées ({count})', 'Declared studies ({count})'],
    'research.studiesHint': ["Une étude dit qui exporte quoi, pourquoi et jusqu'à quand. Les exports sont pseudonymisés et respectent le choix de chaque apprenant.",
      "A study says who exports what, why and until when. Exports are pseudonymised and respect each learner's choice."],
    'research.none': ['Aucune étude déclarée.', 'No study declared.'],
    'research.team': ['Équipe', 'Team'],
    'research.legalBasis': ['Base légale', 'Legal basis'],
    'research.tenants': ['Locataires', 'Tenants'],
    'research.modules': ['Modules', 'Modules'],
    'research.verbs': ['Verbes', 'Verbs'],
    'research.all': ['tous', 'all'],
    'research.period': ['Période', 'Period'],
    'research.from': ['à partir du {date}', 'from {date}'],
    'research.to': ["jusqu'au {date}", 'until {date}'],
    'research.open': ['sans limite', 'open'],
    'research.timestamps': ['Horodatages', 'Timestamps'],
    'research.k': ['k-anonymat', 'k-anonymity'],
    'research.retention': ["Conservation jusqu'au", 'Kept until'],
    'research.createdOn': ['Déclarée le', 'Declared on'],
    'ts.exact': ['exacts', 'exact'],
    'ts.day': ['au jour près', 'to the day'],
    'ts.relative': ['relatifs', 'relative'],
    'research.makeCredential': ['Créer un identifiant de recherche', 'Create a research credential'],
    'research.credentialTitle': ["Identifiant de recherche de l'étude {name}", 'Research credential of study {name}'],
    'research.credentialHint': ["L'équipe s'en sert avec l'API de recherche (/api/research)\u00a0: elle y voit son étude et ses exports, rien d'autre.",
      'The team uses it with the research API (/api/research): it sees its study and its exports there, nothing else.'],
    'research.credentialCreated': ['Identifiant de recherche créé\u00a0: copiez son secret maintenant.',
      'Research credential created: copy its secret now.'],
    'research.format': ["Format d'export", 'Export format'],
    'research.export': ["Lancer l'export", 'Start the export'],
    'research.exported': ['Export terminé.', 'Export done.'],
    'research.exportTitle': ['Export {id}', 'Export {id}'],
    'research.exportMade': ['Fait le {date}\u00a0; {count} apprenant exporté.|Fait le {date}\u00a0; {count} apprenants exportés.',
      'Made on {date}; {count} learner exported.|Made on {date}; {count} learners exported.'],
    'research.exportCounts': ["Déclarations de l'export", 'Statements in the export'],
    'research.read': ['lues', 'read'],
    'research.exportedCount': ['exportées', 'exported'],
    'research.optedOut': ["d'apprenants ayant refusé", 'of learners who opted out'],
    'research.suppressed': ['retirées (k-anonymat)', 'suppressed (k-anonymity)'],
    'research.files': ['Fichiers', 'Files'],
    'research.bytes': ['{count} octet|{count} octets', '{count} byte|{count} bytes'],
    'research.declare': ['Déclarer une étude', 'Declare a study'],
    'research.name': ['Nom court', 'Short name'],
    'research.nameHint': ["Sans espace\u00a0; il désigne l'étude dans les commandes.", 'No spaces; commands name the study by it.'],
    'research.purpose': ['Finalité', 'Purpose'],
    'research.legalBasisHint': ["Par exemple\u00a0: mission d'intérêt public (RGPD, art. 6-1-e).",
      'For example: task in the public interest (GDPR, art. 6(1)(e)).'],
    'research.tenantsLegend': ['Locataires couverts', 'Tenants covered'],
    'research.modulesHint': ['Identifiants de contenu séparés par des virgules\u00a0; vide pour tous.',
      'Content ids separated by commas; empty for all.'],
    'research.verbsHint': ['IRI de verbes séparées par des virgules\u00a0; vide pour tous.', 'Verb IRIs separated by commas; empty for all.'],
    'research.since': ['Premier jour couvert (facultatif)', 'First day covered (optional)'],
    'research.until': ['Dernier jour couvert (facultatif)', 'Last day covered (optional)'],
    'research.retentionLabel': ["Conservation des données exportées jusqu'au", 'Exported data kept until'],
    'research.kHint': ["Plus petit groupe d'apprenants qu'une combinaison publiée peut décrire (de 2 à 1000).",
      'Smallest group of learners a released combination may describe (2 to 1000).'],
    'research.timestampsLabel': ['Précision des horodatages', 'Timestamp precision'],
    'research.submit': ["Déclarer l'étude", 'Declare the study'],
    'research.declared': ['Étude {name} déclarée.', 'Study {name} declared.'],
    'research.noTenant': ['Cochez au moins un locataire.', 'Tick at least one tenant.'],
    'research.needTenant': ["Créez d'abord un locataire (page LRS).", 'Create a tenant first (LRS page).'],

    'keys.lti': ["Clé de l'outil LTI", 'LTI tool key'],
    'keys.ltiHint': ["Le hub signe avec elle ses messages aux plateformes (notes, sélection de contenu). Après un renouvellement, l'ancienne clé reste publiée jusqu'à l'expiration de ce qu'elle a signé.",
      'The hub signs its messages to platforms with it (grades, deep linking). After a rotation, the old key stays published until what it signed has expired.'],
    'keys.published': ['Clés publiées ({count})', 'Published keys ({count})'],
    'keys.unavailable': ["La liste des clés n'a pas pu être lue.", 'The key list could not be read.'],
    'keys.createdOn': ['créée le {date}', 'created on {date}'],
    'keys.rotatedOn': ['remplacée le {date}', 'replaced on {date}'],
    'keys.unpublishOn': ['retirée du JWKS le {date}', 'leaves the JWKS on {date}'],
    'keys.newest': ['la plus récente, signe les nouveaux badges', 'newest, signs new badges'],
    'keys.ltiRotate': ['Renouveler la clé LTI…', 'Rotate the LTI key…'],
    'keys.ltiConfirm': ["Une nouvelle clé signera désormais les messages du hub. Les plateformes la trouvent dans le JWKS, où l'ancienne reste le temps de la transition.",
      "A new key will sign the hub's messages from now on. Platforms find it in the JWKS, where the old one stays for the transition."],
    'keys.rotate': ['Renouveler', 'Rotate'],
    'keys.ltiRotated': ['Nouvelle clé LTI\u00a0: {kid}.', 'New LTI key: {kid}.'],
    'keys.badges': ['Clé de signature des badges', 'Badge signing key'],
    'keys.badgesHint': ['Les nouveaux badges sont signés avec la clé la plus récente. Les anciennes clés restent publiées\u00a0: les badges déjà délivrés restent vérifiables.',
      'New badges are signed with the newest key. Older keys stay published, so badges already issued still verify.'],
    'keys.badgeRotate': ['Renouveler la clé des badges…', 'Rotate the badge key…'],
    'keys.badgeConfirm': ['Les prochains badges seront signés avec une nouvelle clé. Les badges déjà délivrés restent valides\u00a0; réémettez-les pour qu’ils portent la nouvelle clé.',
      'The next badges will be signed with a new key. Badges already issued stay valid; re-issue them to have them carry the new key.'],
    'keys.badgeRotated': ['Nouvelle clé des badges\u00a0: {kid}.', 'New badge key: {kid}.'],

    'learners.intro': ["Droit d'accès et droit à l'effacement (RGPD, articles 15 et 17).",
      'Right of access and right to erasure (GDPR, articles 15 and 17).'],
    'learners.find': ["Trouver l'apprenant", 'Find the learner'],
    'learners.tenant': ['Locataire', 'Tenant'],
    'learners.by': ["Identifier l'apprenant par", 'Identify the learner by'],
    'learners.byUser': ['son identifiant dans le LMS', 'their user id in the LMS'],
    'learners.byEmail': ['son adresse e-mail', 'their e-mail address'],
    'learners.byAgent': ['un agent xAPI (JSON)', 'an xAPI agent (JSON)'],
    'learners.user': ["Identifiant de l'utilisateur dans le LMS (sub)", 'User id in the LMS (sub)'],
    'learners.userHint': ['La valeur sub de ses lancements LTI, sur la plateforme du locataire.',
      "The sub of their LTI launches, on the tenant's platform."],
    'learners.email': ['Adresse e-mail', 'E-mail address'],
    'learners.agent': ['Agent xAPI', 'xAPI agent'],
    'learners.agentHint': ['Par exemple {"mbox": "mailto:camille@example.org"}', 'For example {"mbox": "mailto:camille@example.org"}'],
    'learners.badJson': ["L'agent xAPI n'est pas un objet JSON valide.", 'The xAPI agent is not a valid JSON object.'],
    'learners.download': ['Télécharger ses données (JSON)', 'Download their data (JSON)'],
    'learners.erasePreview': ["Préparer l'effacement…", 'Prepare the erasure…'],
    'learners.dataTitle': ["Données de l'apprenant", "The learner's data"],
    'learners.dataChart': ['Ce que le hub détient sur cet apprenant', 'What the hub holds about this learner'],
    'learners.downloaded': ['Données téléchargées.', 'Data downloaded.'],
    'learners.saveAgain': ['Enregistrer à nouveau le fichier JSON', 'Save the JSON file again'],
    'learners.statements': ['Déclarations xAPI', 'xAPI statements'],
    'learners.launches': ['Lancements LTI', 'LTI launches'],
    'learners.documents': ['Documents xAPI', 'xAPI documents'],
    'learners.certifications': ['Certifications', 'Certifications'],
    'learners.badges': ['Badges', 'Badges'],
    'learners.studies': ['Études de recherche', 'Research studies'],
    'learners.previewTitle': ["Ce que l'effacement supprimerait", 'What the erasure would remove'],
    'learners.previewChart': ["Ce que l'effacement supprimerait, par nature", 'What the erasure would remove, by kind'],
    'learners.nothing': ['Le hub ne détient rien sur cet apprenant dans ce locataire.',
      'The hub holds nothing about this learner in this tenant.'],
    'learners.warning': ["L'effacement est définitif\u00a0: il ne peut pas être annulé.", 'Erasure is final: it cannot be undone.'],
    'learners.eraseConfirm': ['Effacer définitivement', 'Erase for good'],
    'learners.erasedTitle': ['Apprenant effacé', 'Learner erased'],
    'learners.erasedChart': ["Ce que l'effacement a supprimé, par nature", 'What the erasure removed, by kind'],
    'learners.erased': ['Apprenant effacé.', 'Learner erased.'],
    'learners.research': ['Recherche', 'Research'],
    'learners.studyExports': ['{study}\u00a0: pseudonyme {pseudonym}, {count} export retiré|{study}\u00a0: pseudonyme {pseudonym}, {count} exports retirés',
      '{study}: pseudonym {pseudonym}, {count} export withdrawn|{study}: pseudonym {pseudonym}, {count} exports withdrawn'],
    'erase.statements': ['Déclarations', 'Statements'],
    'erase.attachments': ['Pièces jointes', 'Attachments'],
    'erase.documents': ['Documents', 'Documents'],
    'erase.launches': ['Lancements', 'Launches'],
    'erase.cmi5_sessions': ['Sessions cmi5', 'cmi5 sessions'],
    'erase.grades': ['Notes', 'Grades'],
    'erase.certifications': ['Certifications', 'Certifications'],
    'erase.badges_revoked': ['Badges révoqués', 'Badges revoked'],
    'erase.consents': ['Choix de consentement', 'Consent choices'],
    'erase.dashboard_days': ['Jours du tableau de bord', 'Dashboard days'],

    'audit.activity': ['Activité', 'Activity'],
    'audit.perDay': ['Actions par jour', 'Actions per day'],
    'audit.byKind': ['Actions par nature', 'Actions by kind'],
    'audit.actions': ['actions', 'actions'],
    'audit.over': ['Sur {count} entrée chargée.|Sur les {count} entrées chargées.',
      'Over {count} loaded entry.|Over the {count} loaded entries.'],
    'audit.entries': ['Entrées, des plus récentes aux plus anciennes', 'Entries, newest first'],
    'audit.none': ['Aucune action enregistrée.', 'No action recorded.'],
    'audit.older': ['Afficher les plus anciennes', 'Show older entries'],
    'audit.loaded': ['{count} entrée de plus.|{count} entrées de plus.', '{count} more entry.|{count} more entries.'],
    'audit.end': ['Début du journal atteint.', 'Reached the start of the log.'],
    'audit.by': ['par', 'by'],
    'audit.target': ['cible', 'target'],
    'audit.details': ['Détails', 'Details'],
    'audit.tenantCreate': ['Locataire créé', 'Tenant created'],
    'audit.contentImport': ['Paquet importé', 'Package imported'],
    'audit.badgeRevoke': ['Badge révoqué', 'Badge revoked'],
    'audit.badgeReissue': ['Badge réémis', 'Badge re-issued'],
    'audit.badgeKey': ['Clé des badges renouvelée', 'Badge key rotated'],
    'audit.ltiKey': ['Clé LTI renouvelée', 'LTI key rotated'],
    'audit.platformAdd': ['Plateforme enregistrée', 'Platform registered'],
    'audit.platformEnabled': ['Plateforme activée ou désactivée', 'Platform enabled or disabled'],
    'audit.deploymentAdd': ['Déploiement ajouté', 'Deployment added'],
    'audit.lrsCreate': ['Identifiant LRS créé', 'LRS credential created'],
    'audit.lrsRevoke': ['Identifiant LRS révoqué', 'LRS credential revoked'],
    'audit.studyCreate': ['Étude déclarée', 'Study declared'],
    'audit.researchCredential': ['Identifiant de recherche créé', 'Research credential created'],
    'audit.researchExport': ['Export de recherche', 'Research export'],
    'audit.learnerData': ["Données d'un apprenant téléchargées", "A learner's data downloaded"],
    'audit.learnerEraseRequest': ["Effacement d'un apprenant demandé (ou simulé)", 'Learner erasure requested (or simulated)'],
    'audit.learnerErase': ['Apprenant effacé', 'Learner erased'],
    'audit.dashboardRefresh': ['Agrégation lancée', 'Aggregation run'],
  };

  function t(key, values) {
    const pair = TEXT[key];
    if (!pair) {
      console.error(`console: no text for ${key}`);
      return key;
    }
    let text = pair[LANG === 'en' ? 1 : 0];
    const vars = Object.assign({}, values);
    if (typeof vars.count === 'number') {
      const forms = text.split('|');
      if (forms.length === 2) {
        const singular = LANG === 'en' ? vars.count === 1 : vars.count <= 1;
        text = forms[singular ? 0 : 1];
      }
      vars.count = num(vars.count);
    }
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
  }

  // DOM building. Attributes go through setAttribute and children through text nodes: nothing is parsed as HTML.
  function el(tag, attrs, ...children) {
    return build(document.createElement(tag), attrs, children);
  }

  function svgEl(tag, attrs, ...children) {
    return build(document.createElementNS(SVG_NS, tag), attrs, children);
  }

  // Replaces a node's children, taking what el() takes (nested arrays, null for nothing).
  function fill(node, ...children) {
    node.replaceChildren();
    return build(node, null, children);
  }

  function build(node, attrs, children) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'on') {
        for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
      } else {
        node.setAttribute(name, value === true ? '' : String(value));
      }
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  let lastId = 0;
  function uid(prefix) {
    lastId += 1;
    return `${prefix}-${lastId}`;
  }

  // Formatting.
  const LOCALE = LANG === 'en' ? 'en-GB' : 'fr-FR';
  const numbers = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });
  const dateTimes = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'short' });
  const utcDays = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeZone: 'UTC' });
  const shortDays = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', timeZone: 'UTC' });

  function num(value) {
    return typeof value === 'number' && Number.isFinite(value) ? numbers.format(value) : '—';
  }

  function count(value) {
    const number = Number(value);
    return Number.isFinite(number) ? number : 0;
  }

  // A moment as a <time> element, in the reader's time zone.
  function time(iso) {
    if (!iso) return '—';
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    return el('time', { datetime: String(iso) }, dateTimes.format(date));
  }

  // A day (`YYYY-MM-DD`, or the day of a moment) as text.
  function dayText(day, short) {
    const text = String(day || '');
    const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
    if (!text || Number.isNaN(date.getTime())) return text || '—';
    return (short ? shortDays : utcDays).format(date);
  }

  function utcDay(iso) {
    return typeof iso === 'string' ? iso.slice(0, 10) : '';
  }

  // `YYYY-MM-DD` of today (UTC) moved by `offset` days.
  function isoDay(offset) {
    return new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
  }

  function daysFrom(first, last) {
    const days = [];
    const end = new Date(`${last}T00:00:00Z`).getTime();
    for (let at = new Date(`${first}T00:00:00Z`).getTime(); at <= end && days.length < 400; at += 86400000) {
      days.push(new Date(at).toISOString().slice(0, 10));
    }
    return days;
  }

  function duration(seconds) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    if (d > 0) return t('duration.dh', { d, h });
    if (h > 0) return t('duration.hm', { h, m });
    if (m > 0) return t('duration.m', { m });
    return t('duration.s', { s: Math.floor(seconds) });
  }

  function clip(text, length) {
    const value = String(text);
    return value.length > length ? `${value.slice(0, length - 1)}…` : value;
  }

  // Text from the hub (error messages, package problems) is English; say so to screen readers on French pages.
  function serverText(text) {
    return LANG === 'en' ? String(text) : el('span', { lang: 'en' }, String(text));
  }

  function safeHref(url) {
    return typeof url === 'string' && /^(https?:\/\/|\/)/i.test(url) ? url : null;
  }

  function enc(value) {
    return encodeURIComponent(String(value));
  }

  // The API. Every request carries the CSRF token; a 401 means the session ended, so the browser goes to sign in.
  class ApiError extends Error {
    constructor(status, body) {
      super(body && typeof body.message === 'string' ? body.message : `HTTP ${status}`);
      this.status = status;
      this.body = body && typeof body === 'object' ? body : {};
    }
  }

  // An error the console finds itself, with its words already in the page's language.
  class FormError extends Error {
    constructor(message, field) {
      super(message);
      this.field = field;
    }
  }

  let sessionEnded = false;

  async function api(method, path, body, options = {}) {
    const headers = { Accept: 'application/json', 'X-CSRF-Token': CSRF };
    let payload;
    if (body instanceof Blob || Object.prototype.toString.call(body) === '[object ArrayBuffer]') {
      headers['Content-Type'] = options.contentType || 'application/octet-stream';
      payload = body;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
    } catch (error) {
      throw new ApiError(0, null);
    }
    if (response.status === 401) {
      sessionEnded = true;
      window.location.assign(`/admin/login?lang=${LANG}`);
      throw new ApiError(401, null);
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (error) {
        data = null;
      }
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  // Resolves to null instead of failing: for what a page can show without.
  function optional(promise) {
    return promise.catch((error) => {
      if (sessionEnded) throw error;
      return null;
    });
  }

  // Messages: one alert region for what went wrong, one polite status region for what was done.
  function clearAlert() {
    const alert = document.getElementById('console-alert');
    if (alert) alert.replaceChildren();
  }

  function clearMessages() {
    clearAlert();
    window.clearTimeout(statusTimer);
    const status = document.getElementById('console-status');
    if (status) status.replaceChildren();
  }

  function showError(error) {
    if (sessionEnded) return;
    const alert = document.getElementById('console-alert');
    const dismiss = el('button', { type: 'button', class: 'link-button', on: { click: () => alert.replaceChildren() } },
      t('dismiss'));
    fill(alert, ...errorContent(error), dismiss);
    if (error instanceof FormError && error.field) error.field.focus();
  }

  function errorContent(error) {
    if (error instanceof FormError) return [el('p', {}, error.message)];
    if (!(error instanceof ApiError)) {
      console.error(error);
      return [el('p', {}, t('error.unexpected'))];
    }
    if (error.status === 0) return [el('p', {}, t('error.network'))];
    if (error.status >= 500 && !(error.status === 503 && error.body.message)) {
      return [el('p', {}, t('error.server', { status: error.status }))];
    }
    const out = [el('p', {}, t('error.refused', { status: error.status }), ' ', serverText(error.body.message || ''))];
    const violations = Array.isArray(error.body.violations) ? error.body.violations : [];
    if (violations.length) {
      out.push(el('ul', {}, violations.map((v) => el('li', {}, serverText(`${v.path}: ${v.rule}`)))));
    }
    return out;
  }

  let statusTimer = 0;
  function say(message) {
    const status = document.getElementById('console-status');
    status.replaceChildren();
    // Emptied first, then filled: the same message twice in a row is still announced.
    window.clearTimeout(statusTimer);
    statusTimer = window.setTimeout(() => fill(status, el('p', {}, message)), 50);
  }

  // Runs an action once at a time per button. The button stays focusable (aria-disabled, not disabled) so that
  // keyboard focus is not lost while the hub answers.
  const running = new WeakSet();
  async function busy(button, work) {
    if (running.has(button)) return;
    running.add(button);
    button.setAttribute('aria-disabled', 'true');
    clearAlert();
    try {
      await work();
    } catch (error) {
      showError(error);
    } finally {
      running.delete(button);
      button.removeAttribute('aria-disabled');
    }
  }

  function onSubmit(form, button, work) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      busy(button, work);
    });
  }

  // Building blocks.
  function section(id, title, ...children) {
    return el('section', { id, 'aria-labelledby': `${id}-title` },
      el('h2', { id: `${id}-title`, tabindex: '-1' }, title), children);
  }

  function field(label, control, hint) {
    const hintNode = hint ? el('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
    if (hintNode) control.setAttribute('aria-describedby', hintNode.id);
    return el('div', { class: 'field' }, el('label', { for: control.id }, label), hintNode, control);
  }

  function checkField(label, input) {
    return el('div', { class: 'check' }, input, el('label', { for: input.id }, label));
  }

  function select(id, choices, selected, attrs) {
    return el('select', Object.assign({ id, name: id }, attrs),
      choices.map(([value, label]) => el('option', { value, selected: value === selected }, label)));
  }

  function tenantLabel(tenant) {
    return tenant.display_name ? `${tenant.display_name} (${tenant.name})` : tenant.name;
  }

  function tenantChoices(tenants, by) {
    return tenants.map((tenant) => [tenant[by], tenantLabel(tenant)]);
  }

  function facts(pairs) {
    return el('dl', { class: 'facts' }, pairs.filter(Boolean).map(([term, value]) =>
      el('div', {}, el('dt', {}, term), el('dd', {}, value))));
  }

  function tiles(items) {
    return el('dl', { class: 'tiles' }, items.map((item) =>
      el('div', { class: item.warn ? 'tile warn' : 'tile' }, el('dt', {}, item.label), el('dd', {}, item.value))));
  }

  function emptyNote(text) {
    return el('p', { class: 'empty' }, text);
  }

  // Text that only screen readers get, to tell apart buttons of the same name in a list.
  function hidden(text) {
    return el('span', { class: 'visually-hidden' }, text);
  }

  function copyField(id, label, value, hint) {
    const input = el('input', { id, type: 'text', value: value || '', readonly: true, class: 'copy-value', spellcheck: 'false', autocomplete: 'off' });
    const hintNode = hint ? el('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
    if (hintNode) input.setAttribute('aria-describedby', hintNode.id);
    const button = el('button', { type: 'button', class: 'secondary', 'aria-label': t('copy.named', { name: label }),
      on: { click: () => copy(input) } }, t('copy'));
    return el('div', { class: 'field' }, el('label', { for: id }, label), hintNode, el('div', { class: 'copy-row' }, input, button));
  }

  async function copy(input) {
    try {
      await navigator.clipboard.writeText(input.value);
      say(t('copied'));
    } catch (error) {
      input.focus();
      input.select();
      say(document.execCommand && document.execCommand('copy') ? t('copied') : t('copy.failed'));
    }
  }

  // Asks before a consequential action, in the page rather than in a browser dialog.
  function askConfirm(place, trigger, message, confirmLabel, work) {
    for (const old of place.querySelectorAll(':scope > .confirm')) old.remove();
    const messageId = uid('confirm');
    const yes = el('button', { type: 'button', class: 'danger confirm-yes' }, confirmLabel);
    const no = el('button', { type: 'button', class: 'secondary confirm-no' }, t('cancel'));
    const text = el('p', { id: messageId, tabindex: '-1' }, message);
    const box = el('div', { class: 'confirm', role: 'group', 'aria-labelledby': messageId }, text, el('div', { class: 'actions' }, yes, no));
    no.addEventListener('click', () => {
      box.remove();
      trigger.focus();
    });
    yes.addEventListener('click', () => busy(yes, async () => {
      await work();
      box.remove();
    }));
    place.append(box);
    text.focus();
  }

  // A secret shown once, with its copy buttons; `after` gets the focus when it is put away.
  function showSecret(place, title, rows, hint, after) {
    const old = document.getElementById('secret-panel');
    if (old) old.remove();
    const heading = el('h3', { id: 'secret-panel-title', tabindex: '-1' }, title);
    const done = el('button', { type: 'button', id: 'secret-done', class: 'secondary' }, t('secret.done'));
    const panel = el('section', { id: 'secret-panel', class: 'secret', 'aria-labelledby': 'secret-panel-title' },
      heading,
      el('p', { class: 'secret-warning' }, el('strong', {}, t('secret.once'))),
      hint ? el('p', {}, hint) : null,
      rows.map(([label, value], index) => copyField(`secret-value-${index}`, label, value)),
      el('div', { class: 'actions' }, done));
    done.addEventListener('click', () => {
      panel.remove();
      if (after && after.isConnected) after.focus();
      else document.getElementById('page-title').focus();
    });
    place.prepend(panel);
    heading.focus();
  }

  // Charts: inline SVG, one role="img" each, named by a summary of its figures. Colours come from the stylesheet
  // (.series-N), and every bar also carries its number, so colour is never the only cue.
  const CHART_ROWS = 15;

  function chartFigure(title, svg, seriesNames, note) {
    return el('figure', { class: 'chart' },
      el('figcaption', {}, title),
      svg,
      seriesNames.length > 1
        ? el('ul', { class: 'legend' }, seriesNames.map((name, index) =>
          el('li', {}, el('span', { class: `swatch series-${index}`, 'aria-hidden': 'true' }), name)))
        : null,
      note ? el('p', { class: 'hint' }, note) : null);
  }

  // Horizontal bars, one group per row: `rows` is [{label, values: [one number per series]}].
  function barChart(title, seriesNames, allRows) {
    if (!allRows.length) return el('figure', { class: 'chart' }, el('figcaption', {}, title), emptyNote(t('empty')));
    const rows = allRows.slice(0, CHART_ROWS);
    const width = 420;
    const room = 64;
    const bar = 14;
    const max = Math.max(1, ...rows.flatMap((row) => row.values));
    const scale = (width - room) / max;
    const nodes = [];
    let y = 0;
    for (const row of rows) {
      nodes.push(svgEl('text', { x: 0, y: y + 13, class: 'chart-label' }, clip(row.label, 58)));
      y += 18;
      row.values.forEach((value, index) => {
        const length = value > 0 ? Math.max(2, value * scale) : 0;
        nodes.push(svgEl('rect', { x: 0, y, width: length.toFixed(1), height: bar, class: `series-${index}` }));
        nodes.push(svgEl('text', { x: (length + 4).toFixed(1), y: y + 11, class: 'chart-value' }, num(value)));
        y += bar + 3;
      });
      y += 9;
    }
    const described = rows.slice(0, 12).map((row) => {
      const values = row.values.map((value, index) => (seriesNames.length > 1 ? `${seriesNames[index]} ${num(value)}` : num(value)));
      return t('chart.row', { label: row.label, values: values.join(', ') });
    });
    if (allRows.length > 12) described.push(t('chart.andMore', { count: allRows.length - 12 }));
    const summary = `${title}. ${described.join(t('chart.separator'))}.`;
    const svg = svgEl('svg', { class: 'chart-svg', viewBox: `0 0 ${width} ${y}`, role: 'img', 'aria-label': summary, focusable: 'false' },
      svgEl('title', {}, summary), nodes);
    const note = allRows.length > rows.length ? t('chart.first', { shown: num(rows.length), total: num(allRows.length) }) : null;
    return chartFigure(title, svg, seriesNames, note);
  }

  // Columns over days: `days` is ['YYYY-MM-DD'], `series` is [{name, values: [one number per day]}].
  function columnChart(title, days, series) {
    const total = series.reduce((sum, one) => sum + one.values.reduce((a, b) => a + b, 0), 0);
    if (!days.length || total === 0) {
      return el('figure', { class: 'chart' }, el('figcaption', {}, title), emptyNote(t('chart.nothing', { title })));
    }
    const width = 420;
    const height = 170;
    const top = 20;
    const plot = height - top - 22;
    const max = Math.max(1, ...series.flatMap((one) => one.values));
    const slot = width / days.length;
    const barWidth = Math.max(1, (slot - (slot > 4 ? 1 : 0)) / series.length);
    const nodes = [
      svgEl('text', { x: 0, y: 13, class: 'chart-value' }, t('chart.max', { value: num(max) })),
      svgEl('line', { x1: 0, y1: top + plot + 0.5, x2: width, y2: top + plot + 0.5, class: 'chart-axis' }),
    ];
    days.forEach((day, dayIndex) => {
      series.forEach((one, index) => {
        const value = one.values[dayIndex] || 0;
        if (value <= 0) return;
        const barHeight = Math.max(1, (value / max) * plot);
        nodes.push(svgEl('rect', {
          x: (dayIndex * slot + index * barWidth).toFixed(2), y: (top + plot - barHeight).toFixed(1),
          width: barWidth.toFixed(2), height: barHeight.toFixed(1), class: `series-${index}`,
        }));
      });
    });
    nodes.push(svgEl('text', { x: 0, y: height - 4, class: 'chart-label' }, dayText(days[0], true)));
    nodes.push(svgEl('text', { x: width, y: height - 4, class: 'chart-label', 'text-anchor': 'end' }, dayText(days[days.length - 1], true)));
    const described = series.map((one) => {
      const peak = Math.max(...one.values);
      if (peak <= 0) return t('chart.seriesNone', { name: one.name });
      const peakDay = days[one.values.indexOf(peak)];
      return t('chart.series', { name: one.name, total: num(one.values.reduce((a, b) => a + b, 0)), max: num(peak), day: dayText(peakDay) });
    });
    const period = t('chart.period', { first: dayText(days[0]), last: dayText(days[days.length - 1]) });
    const summary = `${title}, ${period}. ${described.join(t('chart.separator'))}.`;
    const svg = svgEl('svg', { class: 'chart-svg', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, focusable: 'false' },
      svgEl('title', {}, summary), nodes);
    return chartFigure(title, svg, series.map((one) => one.name));
  }

  // Counts of things per day, over `days`.
  function perDay(days, isoMoments) {
    const index = new Map(days.map((day, at) => [day, at]));
    const values = days.map(() => 0);
    for (const moment of isoMoments) {
      const at = index.get(utcDay(moment));
      if (at !== undefined) values[at] += 1;
    }
    return values;
  }

  // Rows of a single-series bar chart from an object of counts, largest first.
  function objectRows(object) {
    return Object.entries(object || {})
      .map(([label, value]) => ({ label, values: [count(value)] }))
      .sort((a, b) => b.values[0] - a.values[0] || a.label.localeCompare(b.label));
  }

  // Pages.

  async function renderStatus(ctx) {
    const status = await api('GET', '/api/admin/status');
    if (!ctx.alive()) return;
    const database = status.database || {};
    const pool = status.pool || {};
    const outbox = status.outbox || {};
    const counts = status.counts || {};
    const pending = Array.isArray(database.pending_migrations) ? database.pending_migrations : [];
    const backend = { sqlite: 'SQLite', postgres: 'PostgreSQL' }[database.backend] || String(database.backend || '—');
    const metrics = Array.isArray(status.metrics) ? status.metrics : [];
    const refresh = el('button', { type: 'button', id: 'status-refresh', class: 'secondary',
      on: { click: () => ctx.reload({ focusId: 'status-refresh' }) } }, t('refresh'));
    fill(ctx.body,
      el('div', { class: 'toolbar' }, refresh),
      section('status-service', t('status.service'),
        tiles([
          { label: t('status.version'), value: status.version || app.dataset.version || '—' },
          { label: t('status.uptime'), value: duration(status.uptime_secs) },
          { label: t('status.database'), value: `${backend}, ${database.ready ? t('status.ready') : t('status.notReady')}`, warn: !database.ready },
          { label: t('status.migrations'), value: pending.length ? t('status.pendingMigrations', { count: pending.length }) : t('status.upToDate'), warn: pending.length > 0 },
          { label: t('status.pool'), value: t('status.poolValue', { size: num(pool.size), idle: num(pool.idle) }) },
        ]),
        pending.length
          ? el('details', {}, el('summary', {}, t('status.migrationList')), el('ul', {}, pending.map((name) => el('li', {}, el('code', {}, name)))))
          : null),
      section('status-outbox', t('status.outbox'),
        el('p', { class: 'hint' }, t('status.outboxHint')),
        tiles([
          { label: t('status.pending'), value: num(outbox.pending) },
          { label: t('status.failed'), value: num(outbox.failed), warn: count(outbox.failed) > 0 },
          { label: t('status.oldest'), value: typeof outbox.oldest_pending_secs === 'number' ? t('status.oldestAge', { age: duration(outbox.oldest_pending_secs) }) : t('status.oldestNone') },
        ]),
        barChart(t('status.outboxChart'), [t('chart.count')], [
          { label: t('status.pending'), values: [count(outbox.pending)] },
          { label: t('status.failed'), values: [count(outbox.failed)] },
        ])),
      section('status-counts', t('status.counts'),
        tiles([
          { label: t('status.tenants'), value: num(counts.tenants) },
          { label: t('status.platforms'), value: num(counts.platforms) },
          { label: t('status.statements'), value: num(counts.statements) },
          { label: t('status.certifications'), value: num(counts.certifications) },
          { label: t('status.badgesIssued'), value: num(counts.badges_issued) },
          { label: t('status.badgesRevoked'), value: num(counts.badges_revoked) },
        ]),
        barChart(t('status.badgesChart'), [t('chart.count')], [
          { label: t('status.issued'), values: [count(counts.badges_issued)] },
          { label: t('status.revoked'), values: [count(counts.badges_revoked)] },
        ])),
      section('status-metrics', t('status.metrics'), metricsSummary(metrics)));
  }

  function metricLabel(name) {
    return TEXT[`metric.${name}`] ? t(`metric.${name}`) : name;
  }

  function metricsSummary(metrics) {
    if (!metrics.length) return emptyNote(t('status.noMetrics'));
    const value = (name) => {
      const found = metrics.find((metric) => metric.name === name);
      return found ? count(found.value) : null;
    };
    const http = ['http_requests', 'http_4xx', 'http_5xx'].filter((name) => value(name) !== null);
    return [
      http.length
        ? barChart(t('status.httpChart'), [t('chart.count')], http.map((name) => ({ label: metricLabel(name), values: [value(name)] })))
        : null,
      el('dl', { class: 'metrics' }, metrics.map((metric) => el('div', {},
        el('dt', {}, metricLabel(metric.name), TEXT[`metric.${metric.name}`] ? [' ', el('code', {}, metric.name)] : null),
        el('dd', {}, num(metric.value))))),
    ];
  }

  let dashboardPeriod = null;

  async function renderDashboard(ctx) {
    const tenants = await api('GET', '/api/admin/tenants');
    if (!ctx.alive()) return;
    if (!dashboardPeriod) dashboardPeriod = { since: isoDay(-29), until: isoDay(0), tenant: '' };
    const results = el('div', { id: 'dashboard-results' });
    const since = el('input', { id: 'dashboard-since', type: 'date', value: dashboardPeriod.since, required: true });
    const until = el('input', { id: 'dashboard-until', type: 'date', value: dashboardPeriod.until, required: true });
    const tenant = select('dashboard-tenant', [['', t('dashboard.allTenants')], ...tenantChoices(tenants, 'name')], dashboardPeriod.tenant);
    const show = el('button', { type: 'submit', id: 'dashboard-show' }, t('dashboard.show'));
    const form = el('form', { id: 'dashboard-form', class: 'inline-form' },
      field(t('dashboard.since'), since), field(t('dashboard.until'), until), field(t('dashboard.tenant'), tenant),
      el('div', { class: 'actions' }, show));
    const refresh = el('button', { type: 'button', id: 'dashboard-refresh', class: 'secondary', 'aria-describedby': 'dashboard-refresh-hint' },
      t('dashboard.refresh'));

    async function load() {
      const query = new URLSearchParams({ since: dashboardPeriod.since, until: dashboardPeriod.until });
      if (dashboardPeriod.tenant) query.set('tenant', dashboardPeriod.tenant);
      const figures = await api('GET', `/api/admin/dashboard?${query}`);
      if (ctx.alive()) fill(results, ...dashboardFigures(figures));
    }

    onSubmit(form, show, async () => {
      dashboardPeriod = { since: since.value, until: until.value, tenant: tenant.value };
      await load();
      say(t('dashboard.updated'));
    });
    refresh.addEventListener('click', () => busy(refresh, async () => {
      const answer = await api('POST', '/api/admin/dashboard/refresh');
      await load();
      say(t('dashboard.refreshed', { count: count(answer && answer.statements_counted) }));
    }));
    fill(ctx.body,
      section('dashboard-period', t('dashboard.period'), form,
        el('div', { class: 'toolbar' }, refresh, el('p', { class: 'hint', id: 'dashboard-refresh-hint' }, t('dashboard.refreshHint')))),
      results);
    await load();
  }

  function dashboardFigures(figures) {
    const days = Array.isArray(figures.days) ? figures.days : [];
    const labels = days.map((day) => day.day);
    const totals = figures.totals || {};
    const lrs = figures.lrs || {};
    const series = (key, name) => [{ name, values: days.map((day) => count(day[key])) }];
    return [
      section('dashboard-totals', t('dashboard.totals', { since: dayText(figures.since), until: dayText(figures.until) }),
        tiles([
          { label: t('dashboard.statements'), value: num(totals.statements) },
          { label: t('dashboard.launches'), value: num(totals.launches) },
          { label: t('dashboard.learners'), value: num(totals.active_learners) },
          { label: t('dashboard.certifications'), value: num(totals.certifications) },
          { label: t('dashboard.lrs'), value: lrs.ready ? t('dashboard.lrsReady') : t('dashboard.lrsNotReady'), warn: !lrs.ready },
          { label: t('dashboard.lag'), value: num(lrs.statements_not_yet_aggregated) },
        ])),
      section('dashboard-days', t('dashboard.perDay'),
        columnChart(t('dashboard.statementsPerDay'), labels, series('statements', t('dashboard.statements'))),
        columnChart(t('dashboard.launchesPerDay'), labels, series('launches', t('dashboard.launches'))),
        columnChart(t('dashboard.learnersPerDay'), labels, series('active_learners', t('dashboard.learners')))),
      section('dashboard-modules', t('dashboard.byModule'),
        barChart(t('dashboard.completionsByModule'), [t('chart.count')], objectRows(figures.completions_by_module)),
        barChart(t('dashboard.certificationsByModule'), [t('chart.count')], objectRows(figures.certifications_by_module)),
        barChart(t('dashboard.certificationsByTenant'), [t('chart.count')], objectRows(figures.certifications_by_tenant))),
    ];
  }

  async function renderPlatforms(ctx) {
    const [tool, platforms, tenants] = await Promise.all([
      api('GET', '/api/admin/lti/tool'), api('GET', '/api/admin/lti/platforms'), api('GET', '/api/admin/tenants'),
    ]);
    if (!ctx.alive()) return;
    const tenantById = new Map(tenants.map((tenant) => [tenant.id, tenant]));
    fill(ctx.body,
      section('tool-config', t('platforms.registration'),
        el('p', {}, t('platforms.registrationHint')),
        copyField('tool-registration-url', t('platforms.registrationUrl'), tool.dynamic_registration, t('platforms.registrationUrlHint')),
        el('details', { class: 'more' }, el('summary', {}, t('platforms.manualUrls')),
          copyField('tool-login-url', t('platforms.loginUrl'), tool.login),
          copyField('tool-launch-url', t('platforms.launchUrl'), tool.launch),
          copyField('tool-jwks-url', t('platforms.jwksUrl'), tool.jwks),
          copyField('tool-deep-linking-url', t('platforms.deepLinkingUrl'), tool.deep_linking))),
      section('platforms', t('platforms.list', { count: platforms.length }),
        platforms.length
          ? el('ul', { id: 'platform-list', class: 'cards' }, platforms.map((platform) => platformCard(ctx, platform, tenantById)))
          : emptyNote(t('platforms.none'))),
      section('platform-add', t('platforms.add'), el('p', { class: 'hint' }, t('platforms.addHint')), platformForm(ctx, tenants)));
  }

  function platformCard(ctx, platform, tenantById) {
    const enabled = !platform.disabled_at;
    const tenant = tenantById.get(platform.tenant_id);
    const deployments = Array.isArray(platform.deployment_ids) ? platform.deployment_ids : [];
    const actions = el('div', { class: 'actions' });
    const toggle = el('button', { type: 'button', id: `platform-toggle-${platform.id}`, class: enabled ? 'secondary' : '' },
      enabled ? t('platforms.disable') : t('platforms.enable'), hidden(` ${platform.issuer}`));
    toggle.addEventListener('click', () => {
      const change = async (value) => {
        await api('POST', `/api/admin/lti/platforms/${enc(platform.id)}/enabled`, { enabled: value });
        await ctx.reload({ focusId: toggle.id });
        say(value ? t('platforms.enabledDone') : t('platforms.disabledDone'));
      };
      if (enabled) {
        askConfirm(actions, toggle, t('platforms.disableConfirm', { issuer: platform.issuer }), t('platforms.disable'), () => change(false));
      } else {
        busy(toggle, () => change(true));
      }
    });
    actions.append(toggle);

    const deployment = el('input', { id: `deployment-${platform.id}`, type: 'text', required: true, autocomplete: 'off' });
    const add = el('button', { type: 'submit', class: 'secondary' }, t('platforms.addDeployment'), hidden(` ${platform.issuer}`));
    const form = el('form', { class: 'inline-form' }, field(t('platforms.newDeployment'), deployment), el('div', { class: 'actions' }, add));
    onSubmit(form, add, async () => {
      await api('POST', `/api/admin/lti/platforms/${enc(platform.id)}/deployments`, { deployment_id: deployment.value.trim() });
      await ctx.reload({ focusId: deployment.id });
      say(t('platforms.deploymentAdded'));
    });

    return el('li', { class: 'card', 'data-platform-id': platform.id, 'data-enabled': String(enabled) },
      el('h3', {}, platform.issuer),
      el('p', { class: enabled ? 'state state-on' : 'state state-off' },
        enabled ? t('platforms.enabled') : t('platforms.disabledSince', { date: dayText(platform.disabled_at) })),
      facts([
        [t('platforms.clientId'), el('code', {}, platform.client_id)],
        [t('platforms.tenant'), tenant ? tenantLabel(tenant) : el('code', {}, platform.tenant_id)],
        platform.product ? [t('platforms.product'), platform.product] : null,
        [t('platforms.created'), time(platform.created_at)],
        [t('platforms.deployments'), deployments.length
          ? el('ul', { class: 'plain' }, deployments.map((id) => el('li', {}, el('code', {}, id))))
          : t('platforms.noDeployment')],
      ]),
      el('details', {}, el('summary', {}, t('platforms.endpoints'), hidden(` ${platform.issuer}`)),
        facts([
          [t('platforms.authUrl'), el('code', {}, platform.auth_url)],
          [t('platforms.tokenUrl'), el('code', {}, platform.token_url)],
          [t('platforms.platformJwks'), el('code', {}, platform.jwks_url)],
        ])),
      actions,
      form);
  }

  function platformForm(ctx, tenants) {
    const tenant = select('platform-tenant', [['', t('platforms.newTenant')], ...tenantChoices(tenants, 'name')], '');
    const url = (id) => el('input', { id, type: 'url', required: true, autocomplete: 'off', spellcheck: 'false' });
    const issuer = url('platform-issuer');
    const clientId = el('input', { id: 'platform-client-id', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false' });
    const authUrl = url('platform-auth-url');
    const tokenUrl = url('platform-token-url');
    const jwksUrl = url('platform-jwks-url');
    const deployments = el('textarea', { id: 'platform-deployments', rows: '3', spellcheck: 'false' });
    const save = el('button', { type: 'submit', id: 'platform-save' }, t('platforms.save'));
    const form = el('form', { id: 'platform-form' },
      field(t('platforms.tenant'), tenant),
      field(t('platforms.issuer'), issuer, t('platforms.issuerHint')),
      field(t('platforms.clientId'), clientId),
      field(t('platforms.authUrl'), authUrl, t('platforms.urlHint')),
      field(t('platforms.tokenUrl'), tokenUrl),
      field(t('platforms.platformJwks'), jwksUrl),
      field(t('platforms.deploymentIds'), deployments, t('platforms.deploymentIdsHint')),
      el('div', { class: 'actions' }, save));
    onSubmit(form, save, async () => {
      const body = {
        issuer: issuer.value.trim(),
        client_id: clientId.value.trim(),
        auth_url: authUrl.value.trim(),
        token_url: tokenUrl.value.trim(),
        jwks_url: jwksUrl.value.trim(),
        deployment_ids: deployments.value.split(/\r?\n/).map((line) => line.trim()).filter(Boolean),
      };
      if (tenant.value) body.tenant = tenant.value;
      const platform = await api('POST', '/api/admin/lti/platforms', body);
      await ctx.reload({ focusId: 'platforms-title' });
      say(t('platforms.saved', { issuer: platform.issuer || body.issuer }));
    });
    return form;
  }

  // Items typed one after the other, separated by commas, spaces or new lines.
  function splitList(text) {
    return String(text).split(/[\s,]+/).filter(Boolean);
  }

  let lrsTenant = '';
  const SCOPES = ['statements/write', 'statements/read', 'statements/read/mine', 'all/read', 'all', 'state', 'define', 'profile'];
  const DEFAULT_SCOPES = ['statements/write', 'state'];

  async function renderLrs(ctx) {
    const tenants = await api('GET', '/api/admin/tenants');
    if (!ctx.alive()) return;
    if (!tenants.some((tenant) => tenant.name === lrsTenant)) lrsTenant = tenants.length ? tenants[0].name : '';
    const secretSlot = el('div', { id: 'secret-slot' });
    const credentialArea = el('div', { id: 'credential-area' });
    const picker = select('lrs-tenant', tenantChoices(tenants, 'name'), lrsTenant);

    async function loadCredentials(focusId) {
      const name = lrsTenant;
      const list = await api('GET', `/api/admin/tenants/${enc(name)}/lrs-credentials`);
      if (!ctx.alive() || name !== lrsTenant) return;
      fill(credentialArea, ...credentialSection(list));
      const focus = focusId && document.getElementById(focusId);
      if (focus) focus.focus();
    }

    function credentialSection(list) {
      const active = list.filter((credential) => !credential.revoked_at);
      const revoked = list.filter((credential) => credential.revoked_at);
      return [
        el('h3', { id: 'credential-list-title', tabindex: '-1' }, t('lrs.active', { count: active.length })),
        active.length
          ? el('ul', { id: 'credential-list', class: 'cards' }, active.map(credentialItem))
          : emptyNote(t('lrs.none')),
        revoked.length
          ? el('details', {}, el('summary', {}, t('lrs.revokedList', { count: revoked.length })),
            el('ul', { class: 'cards' }, revoked.map(credentialItem)))
          : null,
        credentialForm(),
      ];
    }

    function credentialItem(credential) {
      const scopes = Array.isArray(credential.scopes) ? credential.scopes : [];
      const item = el('li', { class: 'card', 'data-credential-key': credential.key, 'data-revoked': String(Boolean(credential.revoked_at)) },
        el('h4', {}, credential.name),
        facts([
          [t('lrs.key'), el('code', {}, credential.key)],
          [t('lrs.scopes'), scopes.map((scope, index) => [index ? ', ' : '', el('code', {}, scope)])],
          [t('lrs.created'), time(credential.created_at)],
          credential.revoked_at ? [t('lrs.revokedOn'), time(credential.revoked_at)] : null,
        ]));
      if (!credential.revoked_at) {
        const actions = el('div', { class: 'actions' });
        const revoke = el('button', { type: 'button', class: 'secondary', id: `credential-revoke-${credential.key}` },
          t('lrs.revoke'), hidden(` ${credential.name} (${credential.key})`));
        revoke.addEventListener('click', () => askConfirm(actions, revoke, t('lrs.revokeConfirm', { key: credential.key }), t('lrs.revoke'), async () => {
          await api('DELETE', `/api/admin/lrs-credentials/${enc(credential.key)}`);
          await loadCredentials('credential-list-title');
          say(t('lrs.revoked', { key: credential.key }));
        }));
        actions.append(revoke);
        item.append(actions);
      }
      return item;
    }

    function credentialForm() {
      const name = el('input', { id: 'credential-name', type: 'text', autocomplete: 'off', maxlength: '200' });
      const boxes = SCOPES.map((scope) => el('input', {
        type: 'checkbox', id: `scope-${scope.replace(/\//g, '-')}`, name: 'scopes', value: scope, checked: DEFAULT_SCOPES.includes(scope),
      }));
      const create = el('button', { type: 'submit', id: 'credential-create' }, t('lrs.create'));
      const form = el('form', { id: 'credential-form', class: 'subform', 'aria-labelledby': 'credential-form-title' },
        el('h3', { id: 'credential-form-title' }, t('lrs.newCredential')),
        field(t('lrs.credentialName'), name, t('lrs.credentialNameHint')),
        el('fieldset', {}, el('legend', {}, t('lrs.scopesLegend')),
          boxes.map((box) => checkField([el('code', {}, box.value), ` — ${t(`scope.${box.value}`)}`], box))),
        el('div', { class: 'actions' }, create));
      onSubmit(form, create, async () => {
        const scopes = boxes.filter((box) => box.checked).map((box) => box.value);
        if (!scopes.length) throw new FormError(t('lrs.noScope'), boxes[0]);
        const created = await api('POST', `/api/admin/tenants/${enc(lrsTenant)}/lrs-credentials`, { name: name.value.trim(), scopes });
        await loadCredentials();
        showSecret(secretSlot, t('lrs.secretTitle', { name: created.name }),
          [[t('secret.key'), created.key], [t('secret.secret'), created.secret]], null, document.getElementById('credential-list-title'));
        say(t('lrs.createdSecret'));
      });
      return form;
    }

    picker.addEventListener('change', () => {
      lrsTenant = picker.value;
      const old = document.getElementById('secret-panel');
      if (old) old.remove();
      clearAlert();
      loadCredentials().catch(showError);
    });

    fill(ctx.body,
      section('tenants', t('lrs.tenants', { count: tenants.length }),
        el('p', { class: 'hint' }, t('lrs.tenantsHint')),
        tenants.length
          ? el('ul', { id: 'tenant-list', class: 'cards compact' }, tenants.map((tenant) =>
            el('li', { class: 'card', 'data-tenant': tenant.name },
              el('strong', {}, tenant.display_name), ' ', el('code', {}, tenant.name),
              el('span', { class: 'meta' }, ` — ${t('lrs.createdOn', { date: dayText(tenant.created_at) })}`),
              tenant.disabled ? el('span', { class: 'state state-off' }, ` — ${t('lrs.tenantDisabled')}`) : null)))
          : emptyNote(t('lrs.noTenants')),
        tenantForm(ctx)),
      section('credentials', t('lrs.credentials'),
        el('p', {}, t('lrs.credentialsHint')),
        copyField('lrs-endpoint', t('lrs.endpoint'), `${window.location.origin}/xapi/`),
        tenants.length ? [field(t('lrs.tenant'), picker), secretSlot, credentialArea] : emptyNote(t('lrs.noTenant'))));
    if (lrsTenant) await loadCredentials();
  }

  function tenantForm(ctx) {
    const name = el('input', { id: 'tenant-name', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false', maxlength: '63' });
    const display = el('input', { id: 'tenant-display-name', type: 'text', required: true, autocomplete: 'off' });
    const create = el('button', { type: 'submit', id: 'tenant-create' }, t('lrs.createTenant'));
    const form = el('form', { id: 'tenant-form', class: 'subform', 'aria-labelledby': 'tenant-form-title' },
      el('h3', { id: 'tenant-form-title' }, t('lrs.newTenant')),
      field(t('lrs.tenantName'), name, t('lrs.tenantNameHint')),
      field(t('lrs.displayName'), display, t('lrs.displayNameHint')),
      el('div', { class: 'actions' }, create));
    onSubmit(form, create, async () => {
      const tenant = await api('POST', '/api/admin/tenants', { name: name.value.trim(), display_name: display.value.trim() });
      lrsTenant = tenant.name;
      await ctx.reload({ focusId: 'tenants-title' });
      say(t('lrs.tenantCreated', { name: tenant.name }));
    });
    return form;
  }

  async function renderContent(ctx) {
    const packages = await api('GET', '/api/admin/content');
    if (!ctx.alive()) return;
    const listArea = el('div', { id: 'content-area' }, contentList(packages));
    const result = el('div', { id: 'import-result' });
    const file = el('input', { id: 'package-file', name: 'package', type: 'file', accept: '.zip,application/zip', required: true });
    const submit = el('button', { type: 'submit', id: 'package-import' }, t('content.import'));
    const form = el('form', { id: 'package-form' }, field(t('content.file'), file, t('content.fileHint')), el('div', { class: 'actions' }, submit));
    onSubmit(form, submit, async () => {
      const chosen = file.files && file.files[0];
      if (!chosen) return;
      result.replaceChildren();
      result.removeAttribute('data-outcome');
      let report;
      try {
        report = await api('POST', '/api/admin/content', await chosen.arrayBuffer(), { contentType: 'application/zip' });
      } catch (error) {
        if (error instanceof ApiError && error.status === 422 && Array.isArray(error.body.problems)) {
          showError(error);
          showProblems(result, error.body.problems);
          return;
        }
        throw error;
      }
      const imported = Array.isArray(report && report.imported) ? report.imported : [];
      const unchanged = Array.isArray(report && report.unchanged) ? report.unchanged : [];
      form.reset();
      const fresh = await api('GET', '/api/admin/content');
      if (!ctx.alive()) return;
      fill(listArea, contentList(fresh));
      document.getElementById('content-stored-title').textContent = t('content.stored', { count: contentCount(fresh) });
      showReport(result, imported, unchanged);
      say(imported.length ? t('content.imported') : t('content.unchanged'));
    });
    fill(ctx.body,
      section('content-import', t('content.importTitle'), form, result),
      section('content-stored', t('content.stored', { count: contentCount(packages) }), listArea));
  }

  function contentCount(packages) {
    return new Set(packages.map((item) => item.content_id)).size;
  }

  function showProblems(result, problems) {
    result.dataset.outcome = 'invalid';
    fill(result,
      el('h3', {}, t('content.problems', { count: problems.length })),
      el('ul', { id: 'import-problems', class: 'problems' }, problems.map((problem) =>
        el('li', {}, serverText(typeof problem === 'string' ? problem : JSON.stringify(problem))))));
  }

  function showReport(result, imported, unchanged) {
    const refs = (list) => el('ul', {}, list.map((ref) => el('li', { 'data-ref': ref }, el('code', {}, ref))));
    result.dataset.outcome = imported.length ? 'imported' : 'unchanged';
    fill(result,
      el('h3', {}, t('content.report')),
      imported.length ? [el('p', {}, t('content.importedList')), refs(imported)] : null,
      unchanged.length ? [el('p', {}, t('content.unchangedList')), refs(unchanged)] : null);
  }

  function kindLabel(kind) {
    return TEXT[`kind.${kind}`] ? t(`kind.${kind}`) : String(kind || '');
  }

  // A title as the manifest gives it: {fr, en?} or a plain string.
  function localized(value) {
    if (value && typeof value === 'object') return value[LANG] || value.fr || value.en || '';
    return value ? String(value) : '';
  }

  function ruleText(rule) {
    if (!rule || typeof rule !== 'object') return t('content.noRule');
    const parts = [rule.required === 'all-steps' ? t('rule.allSteps') : t('rule.allRequired')];
    if (rule.quiz) parts.push(t('rule.quiz', { quiz: String(rule.quiz) }));
    if (typeof rule.min_scaled_score === 'number') parts.push(t('rule.minScore', { score: Math.round(rule.min_scaled_score * 100) }));
    return parts.join(', ');
  }

  function contentList(packages) {
    if (!packages.length) return emptyNote(t('content.none'));
    const groups = new Map();
    for (const item of packages) {
      if (!groups.has(item.content_id)) groups.set(item.content_id, []);
      groups.get(item.content_id).push(item);
    }
    const ids = [...groups.keys()].sort((a, b) => a.localeCompare(b));
    return el('ul', { id: 'content-list', class: 'cards' }, ids.map((id) => {
      const versions = groups.get(id).sort((a, b) => String(b.imported_at).localeCompare(String(a.imported_at)));
      const title = localized(versions[0].title);
      return el('li', { class: 'card', 'data-content-id': id },
        el('h3', {}, title || id),
        el('p', { class: 'meta' }, el('code', {}, id), ` — ${kindLabel(versions[0].kind)} — ${t('content.versions', { count: versions.length })}`),
        el('ul', { class: 'versions' }, versions.map((version) => el('li', { 'data-version': version.version },
          el('strong', {}, t('content.version', { version: version.version })), ` — ${t('content.importedAt')} `,
          time(version.imported_at), ` — ${t('content.digest')} `, el('code', { class: 'digest' }, String(version.sha256 || '').slice(0, 16)),
          version.kind === 'cmi5' ? null : el('p', { class: 'rule' }, `${t('content.rule')} ${ruleText(version.certification)}`)))));
    }));
  }

  const BADGE_PAGE = 50;

  async function renderBadges(ctx) {
    const [badges, certifications, tenants] = await Promise.all([
      api('GET', '/api/admin/badges'), api('GET', '/api/admin/certifications'), api('GET', '/api/admin/tenants'),
    ]);
    if (!ctx.alive()) return;
    const state = { badges, certifications, tenantById: new Map(tenants.map((tenant) => [tenant.id, tenant])), shown: BADGE_PAGE };
    const overview = el('div', { id: 'badge-overview' });
    const listArea = el('div', { id: 'badge-list-area' });
    const countLine = el('p', { id: 'badge-count', 'aria-live': 'polite' });
    const query = el('input', { id: 'badge-search', type: 'search', autocomplete: 'off', spellcheck: 'false' });
    const standing = select('badge-standing', [
      ['', t('badges.anyStanding')], ['valid', t('standing.valid')], ['revoked', t('standing.revokedUnknown')], ['expired', t('standing.expired')],
    ], '');
    const tenantFilter = select('badge-tenant', [['', t('badges.allTenants')], ...tenantChoices(tenants, 'id')], '');
    const filters = el('form', { id: 'badge-search-form', class: 'inline-form', role: 'search', 'aria-label': t('badges.search'),
      on: { submit: (event) => event.preventDefault() } },
    field(t('badges.query'), query), field(t('badges.standing'), standing), field(t('badges.tenant'), tenantFilter));

    function matches(badge) {
      const words = query.value.trim().toLowerCase();
      if (standing.value && badge.standing !== standing.value) return false;
      if (tenantFilter.value && badge.tenant_id !== tenantFilter.value) return false;
      if (!words) return true;
      const tenant = state.tenantById.get(badge.tenant_id);
      const haystack = [badge.id, badgeName(badge), badge.content_id, tenant && tenant.name, tenant && tenant.display_name]
        .filter(Boolean).join(' ').toLowerCase();
      return words.split(/\s+/).every((word) => haystack.includes(word));
    }

    function drawOverview() {
      fill(overview, ...badgeOverview(state.badges, state.certifications));
    }

    function drawList() {
      const found = state.badges.filter(matches);
      const shown = found.slice(0, state.shown);
      countLine.textContent = t('badges.count', { count: found.length, total: num(state.badges.length) });
      fill(listArea,
        shown.length ? el('ul', { id: 'badge-list', class: 'cards' }, shown.map(badgeItem)) : emptyNote(t('badges.noneFound')),
        found.length > shown.length
          ? el('button', { type: 'button', id: 'badge-more', class: 'secondary', on: { click: () => {
            const first = state.shown;
            state.shown += BADGE_PAGE;
            drawList();
            const next = listArea.querySelectorAll('#badge-list > li')[first];
            if (next) next.focus();
          } } }, t('badges.more', { count: found.length - shown.length }))
          : null);
    }

    function focusBadge(id) {
      const item = listArea.querySelector(`li[data-badge-id="${CSS.escape(id)}"]`);
      if (item) item.focus();
    }

    function badgeItem(badge) {
      const tenant = state.tenantById.get(badge.tenant_id);
      const name = badgeName(badge);
      const actions = el('div', { class: 'actions' });
      const item = el('li', { class: 'card badge', 'data-badge-id': badge.id, 'data-standing': badge.standing, tabindex: '-1' },
        el('h3', {}, name),
        standingLine(badge),
        facts([
          [t('badges.module'), el('code', {}, badge.content_id)],
          [t('badges.tenant'), tenant ? tenant.display_name : el('code', {}, badge.tenant_id)],
          [t('badges.issuedAt'), time(badge.issued_at)],
          [t('badges.validUntil'), badge.valid_until ? time(badge.valid_until) : t('badges.noEnd')],
          [t('badges.id'), el('code', {}, badge.id)],
          [t('badges.kid'), el('code', {}, badge.kid)],
        ]),
        el('p', { class: 'links' },
          safeHref(badge.verify_url) ? el('a', { href: safeHref(badge.verify_url) }, t('badges.verify'), hidden(` — ${name}`)) : null,
          ' ',
          safeHref(badge.ob3_credential) ? el('a', { href: safeHref(badge.ob3_credential) }, t('badges.ob3'), hidden(` — ${name}`)) : null),
        actions);
      if (badge.standing !== 'revoked') {
        const revoke = el('button', { type: 'button', class: 'secondary badge-revoke' }, t('badges.revoke'), hidden(` — ${name}`));
        revoke.addEventListener('click', () => openRevoke(item, badge, revoke));
        actions.append(revoke);
      }
      const reissue = el('button', { type: 'button', class: 'secondary badge-reissue' }, t('badges.reissue'), hidden(` — ${name}`));
      reissue.addEventListener('click', () => askConfirm(actions, reissue, t('badges.reissueConfirm'), t('badges.reissue'), async () => {
        const fresh = await api('POST', `/api/admin/badges/${enc(badge.id)}/reissue`);
        state.badges = await api('GET', '/api/admin/badges');
        drawOverview();
        drawList();
        focusBadge(fresh.id);
        say(t('badges.reissued', { id: fresh.id }));
      }));
      actions.append(reissue);
      return item;
    }

    function openRevoke(item, badge, trigger) {
      for (const old of listArea.querySelectorAll('.revoke-form')) old.remove();
      const reason = el('input', { id: 'revoke-reason', name: 'reason', type: 'text', required: true, maxlength: '500', autocomplete: 'off' });
      const confirm = el('button', { type: 'submit', id: 'revoke-confirm', class: 'danger' }, t('badges.revokeConfirm'));
      const cancel = el('button', { type: 'button', id: 'revoke-cancel', class: 'secondary' }, t('cancel'));
      const form = el('form', { class: 'revoke-form', 'aria-labelledby': 'revoke-title' },
        el('p', { id: 'revoke-title', class: 'form-title' }, t('badges.revokeTitle', { name: badgeName(badge) })),
        field(t('badges.reasonLabel'), reason, t('badges.reasonHint')),
        el('div', { class: 'actions' }, confirm, cancel));
      cancel.addEventListener('click', () => {
        form.remove();
        trigger.focus();
      });
      onSubmit(form, confirm, async () => {
        const text = reason.value.trim();
        if (!text) throw new FormError(t('badges.reasonRequired'), reason);
        const updated = await api('POST', `/api/admin/badges/${enc(badge.id)}/revoke`, { reason: text });
        state.badges = state.badges.map((one) => (one.id === updated.id ? updated : one));
        drawOverview();
        drawList();
        focusBadge(updated.id);
        say(t('badges.revoked'));
      });
      item.append(form);
      reason.focus();
    }

    let typing = 0;
    query.addEventListener('input', () => {
      window.clearTimeout(typing);
      typing = window.setTimeout(() => {
        state.shown = BADGE_PAGE;
        drawList();
      }, 250);
    });
    for (const control of [standing, tenantFilter]) {
      control.addEventListener('change', () => {
        state.shown = BADGE_PAGE;
        drawList();
      });
    }
    drawOverview();
    drawList();
    fill(ctx.body,
      section('badges-overview', t('badges.overview'), overview),
      section('badges-list', t('badges.list'), filters, countLine, listArea),
      section('certifications', t('badges.latestCerts'), latestCertifications(certifications)));
  }

  function badgeName(badge) {
    return typeof badge.name === 'string' && badge.name ? badge.name : t('badges.unnamed', { content: badge.content_id });
  }

  function standingLine(badge) {
    if (badge.standing === 'revoked') {
      return el('div', { class: 'standing standing-revoked' },
        el('p', {}, el('strong', {}, badge.revoked_at ? t('standing.revoked', { date: dayText(badge.revoked_at) }) : t('standing.revokedUnknown'))),
        badge.revoked_reason ? el('p', { class: 'reason' }, `${t('badges.reason')} `, badge.revoked_reason) : null);
    }
    const key = badge.standing === 'expired' ? 'standing.expired' : 'standing.valid';
    return el('div', { class: `standing standing-${badge.standing === 'expired' ? 'expired' : 'valid'}` }, el('p', {}, el('strong', {}, t(key))));
  }

  function badgeOverview(badges, certifications) {
    const by = (standing) => badges.filter((badge) => badge.standing === standing).length;
    const modules = new Map();
    for (const badge of badges) {
      const row = modules.get(badge.content_id) || [0, 0];
      row[0] += 1;
      if (badge.standing === 'revoked') row[1] += 1;
      modules.set(badge.content_id, row);
    }
    const certModules = new Map();
    for (const certification of certifications) {
      const row = certModules.get(certification.content_id) || [0, 0];
      row[certification.status === 'revoked' ? 1 : 0] += 1;
      certModules.set(certification.content_id, row);
    }
    const rows = (map) => [...map.entries()]
      .map(([label, values]) => ({ label, values }))
      .sort((a, b) => (b.values[0] + b.values[1]) - (a.values[0] + a.values[1]) || a.label.localeCompare(b.label));
    const days = daysFrom(isoDay(-29), isoDay(0));
    return [
      tiles([
        { label: t('badges.total'), value: num(badges.length) },
        { label: t('badges.valid'), value: num(by('valid')) },
        { label: t('badges.revokedCount'), value: num(by('revoked')) },
        { label: t('badges.expired'), value: num(by('expired')) },
        { label: t('badges.certified'), value: num(certifications.filter((c) => c.status !== 'revoked').length) },
        { label: t('badges.certRevoked'), value: num(certifications.filter((c) => c.status === 'revoked').length) },
      ]),
      barChart(t('badges.byModuleChart'), [t('badges.seriesIssued'), t('badges.seriesRevoked')], rows(modules)),
      columnChart(t('badges.perDayChart'), days, [
        { name: t('badges.seriesIssued'), values: perDay(days, badges.map((badge) => badge.issued_at)) },
        { name: t('badges.seriesRevoked'), values: perDay(days, badges.map((badge) => badge.revoked_at).filter(Boolean)) },
      ]),
      barChart(t('badges.certChart'), [t('badges.seriesCertified'), t('badges.seriesCertRevoked')], rows(certModules)),
    ];
  }

  function latestCertifications(certifications) {
    if (!certifications.length) return emptyNote(t('empty'));
    return el('ul', { id: 'certification-list', class: 'plain log' }, certifications.slice(0, 20).map((certification) =>
      el('li', { 'data-certification-id': certification.id },
        time(certification.certified_at), ' — ',
        t('badges.certLine', {
          content: certification.content_id,
          version: certification.content_version,
          status: certification.status === 'revoked' ? t('cert.revoked') : t('cert.certified'),
        }),
        typeof certification.scaled === 'number' ? ` (${t('badges.score', { score: num(Math.round(certification.scaled * 100)) })})` : '')));
  }

  async function renderResearch(ctx) {
    const [studies, tenants] = await Promise.all([api('GET', '/api/admin/research/studies'), api('GET', '/api/admin/tenants')]);
    const exports = await Promise.all(studies.map((study) =>
      optional(api('GET', `/api/admin/research/studies/${enc(study.id)}/exports`))));
    if (!ctx.alive()) return;
    fill(ctx.body,
      section('studies', t('research.studies', { count: studies.length }),
        el('p', { class: 'hint' }, t('research.studiesHint')),
        studies.length
          ? el('ul', { id: 'study-list', class: 'cards' }, studies.map((study, index) => studyItem(study, exports[index] || [])))
          : emptyNote(t('research.none'))),
      section('study-new', t('research.declare'), tenants.length ? studyForm(ctx, tenants) : emptyNote(t('research.needTenant'))));
  }

  // The study's earlier exports, newest first, folded away.
  function pastExports(manifests) {
    if (!manifests.length) return el('p', { class: 'hint' }, t('research.noExports'));
    return el('details', { class: 'past-exports' },
      el('summary', {}, t('research.pastExports', { count: manifests.length })),
      el('ul', { class: 'plain' }, manifests.map((manifest) => {
        const counts = (manifest && manifest.counts) || {};
        const files = Array.isArray(manifest && manifest.files) ? manifest.files : [];
        return el('li', { 'data-export': (manifest && manifest.export) || '' },
          el('code', {}, (manifest && manifest.export) || '—'), ` — ${dayText(manifest && manifest.created_at)} — `,
          t('research.pastExportCounts', { count: count(counts.statements_exported), files: files.length }));
      })));
  }

  function studyItem(study, manifests) {
    const scope = study.scope || {};
    const list = (items) => (Array.isArray(items) && items.length
      ? items.map((item, index) => [index ? ', ' : '', el('code', {}, item)])
      : t('research.all'));
    const period = [
      scope.since ? t('research.from', { date: dayText(scope.since) }) : null,
      scope.until ? t('research.to', { date: dayText(scope.until) }) : null,
    ].filter(Boolean).join(' ') || t('research.open');
    const output = el('div', { class: 'study-output' });
    const credential = el('button', { type: 'button', class: 'secondary', id: `study-credential-${study.id}` },
      t('research.makeCredential'), hidden(` — ${study.name}`));
    credential.addEventListener('click', () => busy(credential, async () => {
      const created = await api('POST', `/api/admin/research/studies/${enc(study.id)}/credentials`);
      showSecret(output, t('research.credentialTitle', { name: created.study || study.name }),
        [[t('secret.key'), created.key], [t('secret.secret'), created.secret]], t('research.credentialHint'), credential);
      say(t('research.credentialCreated'));
    }));
    const format = select(`study-format-${study.id}`, [['jsonl', 'JSON Lines'], ['csv', 'CSV'], ['parquet', 'Parquet']], 'jsonl');
    const start = el('button', { type: 'submit', id: `study-export-${study.id}` }, t('research.export'), hidden(` — ${study.name}`));
    const exportForm = el('form', { class: 'inline-form' }, field(t('research.format'), format), el('div', { class: 'actions' }, start));
    const exportSlot = el('div', { class: 'export-result' });
    onSubmit(exportForm, start, async () => {
      const manifest = await api('POST', `/api/admin/research/studies/${enc(study.id)}/exports`, { format: format.value });
      fill(exportSlot, ...exportReport(manifest || {}));
      const heading = exportSlot.querySelector('h4');
      if (heading) heading.focus();
      say(t('research.exported'));
    });
    const timestamps = TEXT[`ts.${study.timestamps}`] ? t(`ts.${study.timestamps}`) : study.timestamps;
    return el('li', { class: 'card', 'data-study': study.name, 'data-study-id': study.id },
      el('h3', {}, study.name),
      el('p', {}, study.purpose),
      facts([
        [t('research.team'), study.team],
        [t('research.legalBasis'), study.legal_basis],
        [t('research.tenants'), list(scope.tenants)],
        [t('research.modules'), list(scope.modules)],
        [t('research.verbs'), list(scope.verbs)],
        [t('research.period'), period],
        [t('research.timestamps'), timestamps],
        [t('research.k'), num(study.k_anonymity)],
        [t('research.retention'), dayText(study.retention_until)],
        [t('research.createdOn'), time(study.created_at)],
      ]),
      el('div', { class: 'actions' }, credential),
      output,
      exportForm,
      exportSlot,
      pastExports(manifests));
  }

  function exportReport(manifest) {
    const counts = manifest.counts || {};
    const files = Array.isArray(manifest.files) ? manifest.files : [];
    return [
      el('h4', { tabindex: '-1' }, t('research.exportTitle', { id: manifest.export || '' })),
      el('p', {}, t('research.exportMade', { date: dayText(manifest.created_at), count: count(counts.learners_exported) })),
      barChart(t('research.exportCounts'), [t('chart.count')], [
        { label: t('research.read'), values: [count(counts.statements_read)] },
        { label: t('research.exportedCount'), values: [count(counts.statements_exported)] },
        { label: t('research.optedOut'), values: [count(counts.statements_of_opted_out_learners)] },
        { label: t('research.suppressed'), values: [count(counts.statements_suppressed)] },
      ]),
      files.length
        ? [el('p', {}, t('research.files')), el('ul', { class: 'plain' }, files.map((file) =>
          el('li', {}, el('code', {}, file.name), ` — ${t('research.bytes', { count: count(file.bytes) })} — SHA-256 `,
            el('code', { class: 'digest' }, file.sha256))))]
        : null,
    ];
  }

  function studyForm(ctx, tenants) {
    const input = (id, attrs) => el('input', Object.assign({ id, type: 'text', autocomplete: 'off' }, attrs));
    const name = input('study-name', { required: true, pattern: '\\S+', maxlength: '100', spellcheck: 'false' });
    const team = input('study-team', { required: true });
    const purpose = el('textarea', { id: 'study-purpose', rows: '3', required: true });
    const legalBasis = input('study-legal-basis', { required: true });
    const boxes = tenants.map((tenant, index) => el('input', { type: 'checkbox', id: `study-tenant-${index}`, name: 'tenants', value: tenant.name }));
    const modules = input('study-modules', { spellcheck: 'false' });
    const verbs = input('study-verbs', { spellcheck: 'false' });
    const since = input('study-since', { type: 'date' });
    const until = input('study-until', { type: 'date' });
    const retention = input('study-retention', { type: 'date', required: true, min: isoDay(1) });
    const k = input('study-k', { type: 'number', min: '2', max: '1000', step: '1', value: '5', required: true, inputmode: 'numeric' });
    const timestamps = select('study-timestamps', [['day', t('ts.day')], ['exact', t('ts.exact')], ['relative', t('ts.relative')]], 'day');
    const save = el('button', { type: 'submit', id: 'study-save' }, t('research.submit'));
    const form = el('form', { id: 'study-form' },
      field(t('research.name'), name, t('research.nameHint')),
      field(t('research.team'), team),
      field(t('research.purpose'), purpose),
      field(t('research.legalBasis'), legalBasis, t('research.legalBasisHint')),
      el('fieldset', {}, el('legend', {}, t('research.tenantsLegend')),
        boxes.map((box, index) => checkField(tenantLabel(tenants[index]), box))),
      field(t('research.modules'), modules, t('research.modulesHint')),
      field(t('research.verbs'), verbs, t('research.verbsHint')),
      field(t('research.since'), since),
      field(t('research.until'), until),
      field(t('research.retentionLabel'), retention),
      field(t('research.k'), k, t('research.kHint')),
      field(t('research.timestampsLabel'), timestamps),
      el('div', { class: 'actions' }, save));
    onSubmit(form, save, async () => {
      const chosen = boxes.filter((box) => box.checked).map((box) => box.value);
      if (!chosen.length) throw new FormError(t('research.noTenant'), boxes[0]);
      const scope = { tenants: chosen, modules: splitList(modules.value), verbs: splitList(verbs.value) };
      if (since.value) scope.since = `${since.value}T00:00:00Z`;
      if (until.value) scope.until = `${until.value}T23:59:59Z`;
      const study = await api('POST', '/api/admin/research/studies', {
        name: name.value.trim(),
        team: team.value.trim(),
        purpose: purpose.value.trim(),
        legal_basis: legalBasis.value.trim(),
        scope,
        retention_until: retention.value,
        k_anonymity: Number.parseInt(k.value, 10),
        timestamps: timestamps.value,
      });
      await ctx.reload({ focusId: 'studies-title' });
      say(t('research.declared', { name: study.name }));
    });
    return form;
  }

  async function renderKeys(ctx) {
    const [tool, ltiJwks, badgeJwks] = await Promise.all([
      api('GET', '/api/admin/lti/tool'), optional(api('GET', '/api/admin/lti/keys')), optional(api('GET', '/ob/v3/issuer/jwks')),
    ]);
    if (!ctx.alive()) return;
    const ltiKeys = ltiJwks && Array.isArray(ltiJwks.keys) ? ltiJwks.keys : null;
    const badgeKeys = badgeJwks && Array.isArray(badgeJwks.keys) ? badgeJwks.keys : null;
    const ltiActions = el('div', { class: 'actions' });
    const ltiRotate = el('button', { type: 'button', id: 'lti-rotate' }, t('keys.ltiRotate'));
    ltiRotate.addEventListener('click', () => askConfirm(ltiActions, ltiRotate, t('keys.ltiConfirm'), t('keys.rotate'), async () => {
      const answer = await api('POST', '/api/admin/lti/keys/rotate');
      await ctx.reload({ focusId: 'lti-rotate' });
      say(t('keys.ltiRotated', { kid: answer && answer.kid }));
    }));
    ltiActions.append(ltiRotate);
    const badgeActions = el('div', { class: 'actions' });
    const badgeRotate = el('button', { type: 'button', id: 'badge-rotate' }, t('keys.badgeRotate'));
    badgeRotate.addEventListener('click', () => askConfirm(badgeActions, badgeRotate, t('keys.badgeConfirm'), t('keys.rotate'), async () => {
      const answer = await api('POST', '/api/admin/badges/keys/rotate');
      await ctx.reload({ focusId: 'badge-rotate' });
      say(t('keys.badgeRotated', { kid: answer && answer.kid }));
    }));
    badgeActions.append(badgeRotate);
    fill(ctx.body,
      section('keys-lti', t('keys.lti'),
        el('p', {}, t('keys.ltiHint')),
        copyField('keys-lti-jwks', t('platforms.jwksUrl'), tool.jwks),
        keyList('lti-keys', ltiKeys, false),
        ltiActions),
      section('keys-badges', t('keys.badges'),
        el('p', {}, t('keys.badgesHint')),
        keyList('badge-keys', badgeKeys, true),
        badgeActions));
  }

  function keyList(id, keys, newestFirst) {
    if (!keys) return emptyNote(t('keys.unavailable'));
    return [
      el('h3', {}, t('keys.published', { count: keys.length })),
      el('ul', { id, class: 'plain keys' }, keys.map((key, index) => {
        const notes = [
          key.alg || key.crv || key.kty,
          key.created_at ? t('keys.createdOn', { date: dayText(key.created_at) }) : null,
          key.rotated_at ? t('keys.rotatedOn', { date: dayText(key.rotated_at) }) : null,
          key.unpublish_at ? t('keys.unpublishOn', { date: dayText(key.unpublish_at) }) : null,
          newestFirst && index === 0 ? t('keys.newest') : null,
        ].filter(Boolean);
        return el('li', { 'data-kid': key.kid || '' }, el('code', {}, key.kid || '—'), notes.length ? ` — ${notes.join(', ')}` : '');
      })),
    ];
  }

  async function renderLearners(ctx) {
    const tenants = await api('GET', '/api/admin/tenants');
    if (!ctx.alive()) return;
    const result = el('div', { id: 'learner-result' });
    const tenant = select('learner-tenant', tenantChoices(tenants, 'name'), tenants.length ? tenants[0].name : '', { required: true });
    const user = el('input', { id: 'learner-user', type: 'text', autocomplete: 'off', spellcheck: 'false' });
    const email = el('input', { id: 'learner-email', type: 'email', autocomplete: 'off' });
    const agent = el('textarea', { id: 'learner-agent', rows: '3', spellcheck: 'false' });
    const ways = [['user', t('learners.byUser'), field(t('learners.user'), user, t('learners.userHint')), user],
      ['email', t('learners.byEmail'), field(t('learners.email'), email), email],
      ['agent', t('learners.byAgent'), field(t('learners.agent'), agent, t('learners.agentHint')), agent]];
    const radios = ways.map(([value]) => el('input', { type: 'radio', name: 'learner-by', id: `learner-by-${value}`, value, checked: value === 'user' }));
    const download = el('button', { type: 'submit', id: 'learner-download' }, t('learners.download'));
    const preview = el('button', { type: 'button', id: 'learner-erase-preview', class: 'secondary' }, t('learners.erasePreview'));
    const form = el('form', { id: 'learner-form' },
      field(t('learners.tenant'), tenant),
      el('fieldset', {}, el('legend', {}, t('learners.by')), radios.map((radio, index) => checkField(ways[index][1], radio))),
      ways.map(([, , wrap]) => wrap),
      el('div', { class: 'actions' }, download, preview));

    function syncWays() {
      const chosen = radios.find((radio) => radio.checked).value;
      for (const [value, , wrap, control] of ways) {
        wrap.hidden = value !== chosen;
        control.required = value === chosen;
      }
    }

    function learnerRequest() {
      const chosen = radios.find((radio) => radio.checked).value;
      if (chosen === 'user') return { tenant: tenant.value, user: user.value.trim() };
      if (chosen === 'email') return { tenant: tenant.value, agent: { objectType: 'Agent', mbox: `mailto:${email.value.trim()}` } };
      let parsed;
      try {
        parsed = JSON.parse(agent.value);
      } catch (error) {
        parsed = null;
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new FormError(t('learners.badJson'), agent);
      return { tenant: tenant.value, agent: parsed };
    }

    let objectUrl = null;
    onSubmit(form, download, async () => {
      const request = learnerRequest();
      const data = await api('POST', '/api/admin/learners/data', request);
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      const name = `${LANG === 'en' ? 'learner-data' : 'donnees-apprenant'}-${request.tenant}-${isoDay(0)}.json`;
      const link = el('a', { href: objectUrl, download: name, class: 'button-link' }, t('learners.saveAgain'));
      const length = (key) => (Array.isArray(data && data[key]) ? data[key].length : 0);
      fill(result,
        el('h2', { id: 'learner-result-title', tabindex: '-1' }, t('learners.dataTitle')),
        barChart(t('learners.dataChart'), [t('chart.count')], [
          { label: t('learners.statements'), values: [length('statements')] },
          { label: t('learners.launches'), values: [length('launches')] },
          { label: t('learners.documents'), values: [length('documents')] },
          { label: t('learners.certifications'), values: [length('certifications')] },
          { label: t('learners.badges'), values: [length('badges')] },
          { label: t('learners.studies'), values: [length('research')] },
        ]),
        el('p', {}, link));
      link.click();
      say(t('learners.downloaded'));
    });

    preview.addEventListener('click', () => {
      if (!form.reportValidity()) return;
      busy(preview, async () => {
        const request = learnerRequest();
        const report = await api('POST', '/api/admin/learners/erase', Object.assign({}, request, { dry_run: true }));
        showErasure(result, report || {}, true, async () => {
          const done = await api('POST', '/api/admin/learners/erase', Object.assign({}, request, { dry_run: false }));
          showErasure(result, done || {}, false);
          document.getElementById('learner-result-title').focus();
          say(t('learners.erased'));
        });
        document.getElementById('learner-result-title').focus();
      });
    });

    for (const radio of radios) radio.addEventListener('change', syncWays);
    // A preview speaks for the learner it was made for only.
    form.addEventListener('input', () => {
      if (result.dataset.preview === 'true') {
        result.replaceChildren();
        delete result.dataset.preview;
      }
    });
    syncWays();
    fill(ctx.body,
      el('p', {}, t('learners.intro')),
      tenants.length ? section('learner-find', t('learners.find'), form) : emptyNote(t('lrs.noTenant')),
      result);
  }

  function showErasure(result, report, isPreview, erase) {
    const removed = report.removed || {};
    const rows = Object.keys(removed).map((key) => ({
      label: TEXT[`erase.${key}`] ? t(`erase.${key}`) : key,
      values: [count(removed[key])],
    }));
    const studies = Array.isArray(report.research) ? report.research : [];
    const total = rows.reduce((sum, row) => sum + row.values[0], 0);
    const parts = [
      el('h2', { id: 'learner-result-title', tabindex: '-1' }, isPreview ? t('learners.previewTitle') : t('learners.erasedTitle')),
      barChart(isPreview ? t('learners.previewChart') : t('learners.erasedChart'), [t('chart.count')], rows),
      studies.length
        ? [el('h3', {}, t('learners.research')), el('ul', { class: 'plain' }, studies.map((study) => el('li', {}, t('learners.studyExports', {
          study: study.study, pseudonym: study.pseudonym, count: Array.isArray(study.exports_withdrawn) ? study.exports_withdrawn.length : 0,
        }))))]
        : null,
    ];
    if (isPreview && total === 0 && studies.length === 0) {
      parts.push(emptyNote(t('learners.nothing')));
    } else if (isPreview) {
      const confirm = el('button', { type: 'button', id: 'learner-erase-confirm', class: 'danger' }, t('learners.eraseConfirm'));
      const cancel = el('button', { type: 'button', id: 'learner-erase-cancel', class: 'secondary' }, t('cancel'));
      confirm.addEventListener('click', () => busy(confirm, erase));
      cancel.addEventListener('click', () => {
        result.replaceChildren();
        delete result.dataset.preview;
        document.getElementById('learner-erase-preview').focus();
      });
      parts.push(el('div', { class: 'confirm' }, el('p', {}, el('strong', {}, t('learners.warning'))), el('div', { class: 'actions' }, confirm, cancel)));
    }
    if (isPreview) result.dataset.preview = 'true';
    else delete result.dataset.preview;
    fill(result, ...parts);
  }

  const AUDIT_PAGE = 100;

  // Route patterns of the admin API (as the audit middleware records them) and the hub's own actions, by meaning.
  const AUDIT_LABELS = [
    [/^POST \/api\/admin\/tenants$/, 'audit.tenantCreate'],
    [/^POST \/api\/admin\/content$/, 'audit.contentImport'],
    [/\/badges\/keys\/rotate$/, 'audit.badgeKey'],
    [/\/badges\/\{[^}]+\}\/revoke$/, 'audit.badgeRevoke'],
    [/\/badges\/\{[^}]+\}\/reissue$/, 'audit.badgeReissue'],
    [/\/lti\/keys\/rotate$/, 'audit.ltiKey'],
    [/^POST \/api\/admin\/lti\/platforms$/, 'audit.platformAdd'],
    [/\/lti\/platforms\/\{[^}]+\}\/enabled$/, 'audit.platformEnabled'],
    [/\/lti\/platforms\/\{[^}]+\}\/deployments$/, 'audit.deploymentAdd'],
    [/\/tenants\/\{[^}]+\}\/lrs-credentials$/, 'audit.lrsCreate'],
    [/^DELETE \/api\/admin\/lrs-credentials\//, 'audit.lrsRevoke'],
    [/^POST \/api\/admin\/research\/studies$/, 'audit.studyCreate'],
    [/\/research\/studies\/\{[^}]+\}\/credentials$/, 'audit.researchCredential'],
    [/\/research\/studies\/\{[^}]+\}\/exports$/, 'audit.researchExport'],
    [/\/learners\/data$/, 'audit.learnerData'],
    [/\/learners\/erase$/, 'audit.learnerEraseRequest'],
    [/^learner\.erase$/, 'audit.learnerErase'],
    [/\/dashboard\/refresh$/, 'audit.dashboardRefresh'],
  ];

  function auditLabel(action) {
    const found = AUDIT_LABELS.find(([pattern]) => pattern.test(String(action)));
    return found ? t(found[1]) : null;
  }

  async function renderAudit(ctx) {
    const entries = [];
    const charts = el('div', { id: 'audit-charts' });
    const list = el('ol', { id: 'audit-list', class: 'log' });
    const none = emptyNote(t('audit.none'));
    none.hidden = true;
    const older = el('button', { type: 'button', id: 'audit-older', class: 'secondary' }, t('audit.older'));

    async function loadMore() {
      const query = new URLSearchParams({ limit: String(AUDIT_PAGE) });
      if (entries.length) query.set('before', String(entries[entries.length - 1].id));
      const page = await api('GET', `/api/admin/audit?${query}`);
      if (!ctx.alive()) return [];
      entries.push(...page);
      list.append(...page.map(auditItem));
      older.hidden = page.length < AUDIT_PAGE;
      none.hidden = entries.length > 0;
      fill(charts, ...auditCharts(entries));
      return page;
    }

    older.addEventListener('click', () => busy(older, async () => {
      const page = await loadMore();
      const first = page.length && list.querySelector(`li[data-id="${CSS.escape(String(page[0].id))}"]`);
      if (first) first.focus();
      else document.getElementById('audit-entries-title').focus();
      say(page.length ? t('audit.loaded', { count: page.length }) : t('audit.end'));
    }));
    fill(ctx.body,
      section('audit-activity', t('audit.activity'), charts),
      section('audit-entries', t('audit.entries'), none, list, el('div', { class: 'actions' }, older)));
    await loadMore();
  }

  function auditItem(entry) {
    const label = auditLabel(entry.action);
    const details = entry.details && typeof entry.details === 'object' && Object.keys(entry.details).length ? entry.details : null;
    return el('li', { 'data-id': String(entry.id), 'data-action': entry.action || '', 'data-target': entry.target || '', tabindex: '-1' },
      el('p', { class: 'log-head' }, time(entry.at), ' — ', el('strong', {}, label || entry.action)),
      el('p', { class: 'meta' },
        `${t('audit.by')} `, el('code', {}, entry.actor),
        entry.target ? [` — ${t('audit.target')} `, el('code', {}, entry.target)] : null,
        label ? [' — ', el('code', {}, entry.action)] : null),
      details ? el('details', {}, el('summary', {}, t('audit.details')), el('pre', {}, JSON.stringify(details, null, 2))) : null);
  }

  function auditCharts(entries) {
    if (!entries.length) return [];
    const moments = entries.map((entry) => entry.at).filter(Boolean);
    const sorted = moments.map(utcDay).sort();
    if (!sorted.length) return [];
    const last = sorted[sorted.length - 1];
    // At most the last 90 days of what is loaded, so that columns stay readable.
    const first = sorted[0] > isoDayBefore(last, 89) ? sorted[0] : isoDayBefore(last, 89);
    const days = daysFrom(first, last);
    const kinds = new Map();
    for (const entry of entries) {
      const label = auditLabel(entry.action) || String(entry.action);
      kinds.set(label, (kinds.get(label) || 0) + 1);
    }
    return [
      columnChart(t('audit.perDay'), days, [{ name: t('audit.actions'), values: perDay(days, moments) }]),
      barChart(t('audit.byKind'), [t('chart.count')], [...kinds.entries()]
        .map(([label, value]) => ({ label, values: [value] }))
        .sort((a, b) => b.values[0] - a.values[0] || a.label.localeCompare(b.label))),
      el('p', { class: 'hint' }, t('audit.over', { count: entries.length })),
    ];
  }

  function isoDayBefore(day, days) {
    return new Date(new Date(`${day}T00:00:00Z`).getTime() - days * 86400000).toISOString().slice(0, 10);
  }

  // The shell around the pages, and hash routing.
  const PAGES = [
    ['status', renderStatus],
    ['dashboard', renderDashboard],
    ['platforms', renderPlatforms],
    ['lrs', renderLrs],
    ['content', renderContent],
    ['badges', renderBadges],
    ['research', renderResearch],
    ['learners', renderLearners],
    ['keys', renderKeys],
    ['audit', renderAudit],
  ];
  const RENDER = new Map(PAGES);

  function langHref() {
    const hash = window.location.hash.startsWith('#/') ? window.location.hash : '';
    return `/admin?lang=${OTHER_LANG}${hash}`;
  }

  function buildLayout() {
    const skip = el('a', { class: 'skip-link', href: '#main',
      on: { click: (event) => { event.preventDefault(); document.getElementById('page-title').focus(); } } }, t('skip'));
    const langLink = el('a', { id: 'lang-switch', href: langHref(), hreflang: OTHER_LANG, lang: OTHER_LANG,
      on: { click: (event) => { event.currentTarget.href = langHref(); } } }, t('lang.switch'));
    const logout = el('form', { method: 'post', action: '/admin/logout', class: 'logout' },
      el('input', { type: 'hidden', name: 'csrf', value: CSRF }),
      el('button', { type: 'submit', id: 'logout', class: 'secondary' }, t('logout')));
    const source = app.dataset.source === 'local' ? t('source.local') : t('source.oidc');
    const header = el('header', { class: 'topbar' },
      skip,
      el('p', { class: 'brand' }, "Class'Code Hub", el('span', {}, t('console'))),
      el('div', { class: 'session' },
        el('p', {}, `${t('account')} `, el('strong', {}, app.dataset.user || '—'), ` (${source})`),
        langLink,
        logout));
    const nav = el('nav', { 'aria-label': t('nav.label') },
      el('ul', {}, PAGES.map(([name]) => el('li', {}, el('a', { href: `#/${name}`, 'data-page': name }, t(`nav.${name}`))))));
    const main = el('main', { id: 'main', 'data-page': '', 'data-state': 'loading' },
      el('h1', { id: 'page-title', tabindex: '-1' }),
      el('div', { class: 'messages' },
        el('div', { id: 'console-alert', role: 'alert', class: 'notice notice-error' }),
        el('div', { id: 'console-status', role: 'status', class: 'notice notice-ok' })),
      el('div', { id: 'page-body' }));
    const footer = el('footer', {}, el('p', {}, `Class'Code Hub ${app.dataset.version || ''}`.trim()));
    fill(app, header, nav, main, footer);
  }

  let generation = 0;

  async function show(name, options = {}) {
    const before = generation;
    generation += 1;
    const mine = generation;
    const main = document.getElementById('main');
    const title = document.getElementById('page-title');
    main.dataset.page = name;
    main.dataset.state = 'loading';
    if (!options.keepMessages) clearMessages();
    title.textContent = t(`page.${name}`);
    document.title = `${t(`page.${name}`)} — ${t('console')} — Class'Code Hub`;
    for (const link of document.querySelectorAll('nav a[data-page]')) {
      if (link.dataset.page === name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.getElementById('lang-switch').href = langHref();
    const body = el('div', { class: 'page', 'aria-busy': 'true' }, el('p', { class: 'loading' }, t('loading')));
    const holder = document.getElementById('page-body');
    // A reload keeps the page standing until the new one is ready, so that the reader keeps their place.
    if (!options.reloading) fill(holder, body);
    if (options.focus) title.focus();
    const ctx = {
      body,
      alive: () => mine === generation,
      reload: (again = {}) => show(name, { reloading: true, keepMessages: true, focusId: again.focusId }),
    };
    try {
      await render(name, ctx);
      if (!ctx.alive()) return;
      if (options.reloading) fill(holder, body);
      main.dataset.state = 'ready';
    } catch (error) {
      if (!ctx.alive()) return;
      if (options.reloading) {
        // The page as it stood is still right, and its handlers live again; only say what failed.
        generation = before;
        main.dataset.state = 'ready';
        throw error;
      }
      main.dataset.state = 'error';
      fill(body, el('p', {}, t('page.failed')),
        el('button', { type: 'button', class: 'secondary', on: { click: () => show(name, { focus: true }) } }, t('retry')));
      showError(error);
    } finally {
      body.removeAttribute('aria-busy');
    }
    const focus = options.focusId && document.getElementById(options.focusId);
    if (focus) focus.focus();
  }

  function render(name, ctx) {
    return RENDER.get(name)(ctx);
  }

  function route(focus) {
    const hash = window.location.hash;
    const name = hash.startsWith('#/') ? hash.slice(2).split(/[/?]/)[0] : '';
    if (!RENDER.has(name)) {
      window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/status`);
      show('status', { focus });
      return;
    }
    show(name, { focus });
  }

  buildLayout();
  window.addEventListener('hashchange', () => {
    // Hashes that are not routes (the skip link's #main) leave the page as it is.
    if (window.location.hash && !window.location.hash.startsWith('#/')) return;
    route(true);
  });
  route(false);
}());
